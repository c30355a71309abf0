from pipelines.load.csv_reader import read_csv, sniff_delimiter


def test_semicolon_is_detected_from_the_header():
    assert sniff_delimiter("account_id;created_at;plan\n") == ";"
    assert sniff_delimiter("account_id,created_at,plan\n") == ","


def test_bom_is_stripped_and_lines_are_physical(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes('\ufeffa;b\n1;"two\nlines"\n\n3;4\n5\n'.encode("utf-8"))
    read = read_csv(path)
    assert read.header == ["a", "b"]
    assert read.delimiter == ";"
    rows = sorted((r for batch in read.batches for r in batch.to_pylist()), key=lambda r: r["_line"])
    assert [(r["c0"], r["c1"], r["_line"]) for r in rows] == [("1", "two\nlines", 2), ("3", "4", 5)]
    assert [(s.line, s.reason, s.raw) for s in read.set_aside] == [(6, "wrong number of fields", "5")]


def test_the_fast_blocks_hand_over_to_the_line_walk_at_the_right_line(tmp_path, monkeypatch):
    from pipelines.load import csv_reader

    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 16)  # several Arrow blocks before the first quote
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n3,4\r\n , \r\n5,6\r\n7,8\r\n9,\"x\ny\"\r\n10\r\n11,12")
    read = read_csv(path)
    rows = sorted((r for batch in read.batches for r in batch.to_pylist()), key=lambda r: r["_line"])
    assert [(r["c0"], r["c1"], r["_line"]) for r in rows] == [
        ("1", "2", 2), ("3", "4", 3), ("5", "6", 5), ("7", "8", 6), ("9", "x\ny", 7), ("11", "12", 10)]
    assert [(s.line, s.reason) for s in read.set_aside] == [(9, "wrong number of fields")]
