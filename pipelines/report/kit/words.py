"""The report's words in English and Dutch, and number formatting per language.

Every sentence the management report shows comes from here, so ``language="nl"``
gives a Dutch report (the clause quotes come from the policy file).
"""

from __future__ import annotations

LANGUAGES = ("en", "nl")

# key -> (English, Dutch). ``{name}`` placeholders are filled by :func:`t`;
# a key ending in ``_one`` is the singular used by :func:`tn` when n == 1.
TEXT: dict[str, tuple[str, str]] = {
    # titles and framing
    "report_title": ("Quarterly privacy review", "Kwartaalrapport privacy"),
    "report_subtitle": (
        "Figures as of {as_of} · {policy}",
        "Cijfers op {as_of} · {policy}",
    ),
    "report_intro": (
        (
            "Does the company keep the promises of its privacy policy? Each section below names the clause it checks, "
            "quotes it, says how the figure is computed and gives a plain verdict."
        ),
        (
            "Komt het bedrijf de beloften van zijn privacybeleid na? Elke sectie hieronder noemt de clausule die ze "
            "controleert, citeert die, legt uit hoe het cijfer berekend wordt en geeft een duidelijk oordeel."
        ),
    ),
    "contents": ("Contents", "Inhoud"),
    "synthetic_banner": (
        "Synthetic sample data: these figures are not evidence about real people.",
        "Synthetische voorbeeldgegevens: deze cijfers zeggen niets over echte personen.",
    ),
    "cov_starts_late": (
        "The exports' dates begin on {first}, after the start of {period} ({start}): the quarter is only partly covered.",
        "De data in de exports beginnen op {first}, na het begin van {period} ({start}): het kwartaal is maar gedeeltelijk gedekt.",
    ),
    "cov_ends_early": (
        "The exports' dates end on {last}, before the review date {as_of}: nothing after {last} is in the figures.",
        "De data in de exports eindigen op {last}, vóór de peildatum {as_of}: niets na {last} zit in de cijfers.",
    ),
    "cov_after_as_of": (
        "The exports' dates ({first} to {last}) all lie after the review date {as_of}: there is nothing to judge.",
        "De data in de exports ({first} tot {last}) liggen alle na de peildatum {as_of}: er is niets te beoordelen.",
    ),
    "cov_before_quarter": (
        "The exports' dates ({first} to {last}) all lie before {period}: no event of the quarter is in the figures.",
        "De data in de exports ({first} tot {last}) liggen alle vóór {period}: geen gebeurtenis van het kwartaal zit in de cijfers.",
    ),
    "cov_no_dates": (
        "The exports hold no dated rows: there is nothing to judge.",
        "De exports bevatten geen gedateerde rijen: er is niets te beoordelen.",
    ),
    "sec_summary": ("Summary", "Samenvatting"),
    "sec_inactivity": ("Inactive accounts", "Inactieve accounts"),
    "sec_retention": ("Retention periods", "Bewaartermijnen"),
    "sec_support": ("Support inquiries", "Supportvragen"),
    "sec_rights": ("Data-subject rights requests", "Verzoeken van betrokkenen"),
    "sec_quality": ("Data quality", "Datakwaliteit"),
    "sec_about": ("About this report", "Over dit rapport"),
    "clause": ("Clause", "Clausule"),
    "policy_says": ("The policy says", "Het beleid zegt"),
    "how_computed": ("How it is computed", "Hoe het berekend wordt"),
    "verdict": ("Verdict", "Oordeel"),
    # verdicts
    "kept": ("Promise kept", "Belofte nagekomen"),
    "not_kept": ("Promise not kept", "Belofte niet nagekomen"),
    "not_assessable": ("Not assessable", "Niet te beoordelen"),
    "not_computable": ("Not computable", "Niet te berekenen"),
    "not_checked": (
        "Not checked: table not exported",
        "Niet gecontroleerd: tabel niet geëxporteerd",
    ),
    "info": ("For information", "Ter informatie"),
    "na": ("n/a", "n.v.t."),
    # KPI tiles
    "kpi_account_breaches": (
        "Accounts past their erasure deadline",
        "Accounts voorbij hun wisdeadline",
    ),
    "kpi_all_breaches": (
        "Records past their retention deadline",
        "Gegevens voorbij hun bewaartermijn",
    ),
    "kpi_due_30d": (
        "Accounts due for erasure in the next 30 days",
        "Accounts te wissen in de komende 30 dagen",
    ),
    "kpi_on_time": (
        "Rights requests completed on time",
        "Verzoeken tijdig afgehandeld",
    ),
    "kpi_open_overdue": (
        "Open requests past their deadline",
        "Open verzoeken over hun termijn",
    ),
    "kpi_tickets": ("Support tickets this quarter", "Supporttickets dit kwartaal"),
    "kpi_first_response": ("Median first response", "Mediane eerste reactie"),
    "kpi_rows_rejected": ("Export rows set aside", "Exportrijen apart gezet"),
    "change_vs": (
        "{delta} vs {previous} ({value})",
        "{delta} t.o.v. {previous} ({value})",
    ),
    "unchanged_vs": ("unchanged vs {previous}", "ongewijzigd t.o.v. {previous}"),
    "this_export": ("in the exports (all dates)", "in de exports (alle data)"),
    "kpi_not_assessable": (
        "not assessable: nothing to judge",
        "niet te beoordelen: niets om te toetsen",
    ),
    "nothing_to_compare": (
        "nothing to compare in {previous}",
        "niets om mee te vergelijken in {previous}",
    ),
    "nothing_to_judge": ("nothing to judge", "niets te beoordelen"),
    "no_previous": (
        "no previous quarter to compare",
        "geen vorig kwartaal om te vergelijken",
    ),
    "previous_quarter": ("previous quarter", "vorig kwartaal"),
    "better": ("better", "beter"),
    "worse": ("worse", "slechter"),
    # categories (retention)
    "cat_account": ("Accounts", "Accounts"),
    "cat_logs": (
        "Log files (IP address, device ID)",
        "Logbestanden (IP-adres, apparaat-ID)",
    ),
    "cat_support": ("Support tickets", "Supporttickets"),
    "cat_marketing": ("Marketing contacts", "Marketingcontacten"),
    "cat_analytics": ("Website analytics", "Websiteanalyse"),
    "cat_residual": (
        "Leftovers of erased accounts",
        "Restgegevens van gewiste accounts",
    ),
    "cat_payments": ("Payment records", "Betalingsgegevens"),
    "col_category": ("Category", "Categorie"),
    "col_clause": ("Clause", "Clausule"),
    "col_breaches": ("Records past deadline", "Gegevens over termijn"),
    "col_oldest": ("Oldest overdue (days)", "Oudste overschrijding (dagen)"),
    "col_verdict": ("Verdict", "Oordeel"),
    "rows_in": ("Rows exported", "Rijen geëxporteerd"),
    "rows_loaded": ("Loaded", "Geladen"),
    "rows_rejected": ("Set aside", "Apart gezet"),
    "oldest_days": ("oldest {days} days overdue", "oudste {days} dagen over termijn"),
    # how each figure is computed
    "how_inactivity": (
        (
            "An account's last activity is its latest session or login on or before {as_of} (its creation if it has "
            "neither); its erasure deadline is {months} months later. Accounts kept on legal hold are exempt."
        ),
        (
            "De laatste activiteit van een account is de laatste sessie of login op of vóór {as_of} (anders de "
            "aanmaakdatum); de wisdeadline valt {months} maanden later. Accounts onder juridische bewaarplicht zijn "
            "uitgezonderd."
        ),
    ),
    "how_retention": (
        (
            "Each category's deadline follows the clause quoted below; a breach is a record still present in the "
            "export after its deadline, counted on {as_of}."
        ),
        (
            "De deadline van elke categorie volgt de geciteerde clausule; een overschrijding is een record dat na zijn "
            "deadline nog in de export staat, geteld op {as_of}."
        ),
    ),
    "how_support": (
        (
            "Tickets created in the quarter, counted by channel and month; first-response and resolution times are "
            "elapsed hours (median and 90th percentile). The promise is kept when every inquiry received in the "
            "quarter had a first response by {as_of}, also one received shortly before that date."
        ),
        (
            "Tickets aangemaakt in het kwartaal, geteld per kanaal en per maand; eerste reactie en oplostijd in "
            "verstreken uren (mediaan en 90e percentiel). De belofte is nagekomen als elke vraag van het kwartaal "
            "uiterlijk op {as_of} een eerste reactie kreeg, ook een vraag die kort voor die datum binnenkwam."
        ),
    ),
    "how_rights": (
        (
            "The one-month deadline runs from {clock_start}; it becomes three months only when the requester was told "
            "of the extension in time, and moves to the next working day after a weekend or Belgian public holiday."
        ),
        (
            "De termijn van een maand loopt vanaf {clock_start}; drie maanden alleen als de verzoeker tijdig over de "
            "verlenging is ingelicht, en hij schuift door naar de volgende werkdag na een weekend of Belgische "
            "feestdag."
        ),
    ),
    "clock_received": (
        "the day the request was received",
        "de dag van ontvangst van het verzoek",
    ),
    "clock_identity_verified": (
        "the day the requester's identity was verified (when recorded)",
        "de dag waarop de identiteit van de verzoeker is geverifieerd (indien geregistreerd)",
    ),
    "how_quality": (
        (
            "Every exported row is either loaded or set aside with its reason; rows set aside are left out of every "
            "figure in this report."
        ),
        (
            "Elke geëxporteerde rij is ofwel geladen ofwel met reden apart gezet; apart gezette rijen tellen in geen "
            "enkel cijfer van dit rapport mee."
        ),
    ),
    # verdict sentences
    "v_inactivity_kept": (
        "None of the {n} accounts held on {as_of} is past its erasure deadline.",
        "Geen van de {n} accounts die op {as_of} bewaard werden, is voorbij zijn wisdeadline.",
    ),
    "v_inactivity_kept_one": (
        "The one account held on {as_of} is not past its erasure deadline.",
        "Het ene account dat op {as_of} bewaard werd, is niet voorbij zijn wisdeadline.",
    ),
    "v_inactivity_none": (
        "No account existed and was not erased on {as_of}: there is nothing to judge.",
        "Op {as_of} bestond er geen niet-gewist account: er is niets te beoordelen.",
    ),
    "v_inactivity_not": (
        "{n} accounts are held past their erasure deadline.",
        "{n} accounts worden na hun wisdeadline bewaard.",
    ),
    "v_inactivity_not_one": (
        "1 account is held past its erasure deadline.",
        "1 account wordt na zijn wisdeadline bewaard.",
    ),
    "v_inactivity_due": (
        "{n} more reach their deadline in the next 30 days.",
        "Nog {n} bereiken hun deadline in de komende 30 dagen.",
    ),
    "v_retention_kept": (
        "No record is held past its retention deadline in the categories checked.",
        "In de gecontroleerde categorieën wordt geen enkel record na zijn bewaartermijn bewaard.",
    ),
    "v_retention_not": (
        "{n} records are held past their deadline, in {k} of {m} categories checked.",
        "{n} records worden na hun deadline bewaard, in {k} van de {m} gecontroleerde categorieën.",
    ),
    "v_retention_nothing": (
        "Nothing to judge, no record was held on {as_of}: {names}.",
        "Niets te beoordelen, op {as_of} werden geen gegevens bewaard: {names}.",
    ),
    "v_retention_absent": (
        "Not checked (table not exported): {names}.",
        "Niet gecontroleerd (tabel niet geëxporteerd): {names}.",
    ),
    "v_withdrawn": (
        "{n} marketing contacts were contacted after withdrawing consent.",
        "{n} marketingcontacten werden gecontacteerd na intrekking van hun toestemming.",
    ),
    "v_late_erasures": (
        "{n} accounts were erased this quarter after their deadline.",
        "{n} accounts werden dit kwartaal na hun deadline gewist.",
    ),
    "v_support_answered": (
        "Of {n} inquiries received in the quarter, {answered} got a first response by {as_of} (median {first}).",
        "Van de {n} vragen die dit kwartaal binnenkwamen, kregen er {answered} uiterlijk op {as_of} een eerste reactie (mediaan {first}).",
    ),
    "v_support_unanswered": (
        "{n} had no first response by {as_of}.",
        "{n} kregen tot {as_of} geen eerste reactie.",
    ),
    "v_support_unanswered_one": (
        "1 had no first response by {as_of}.",
        "1 kreeg tot {as_of} geen eerste reactie.",
    ),
    "v_support_none": (
        "No inquiries were received in the quarter: there is nothing to judge.",
        "Dit kwartaal kwamen geen vragen binnen: er is niets te beoordelen.",
    ),
    "v_support_missed": (
        "{n} privacy tickets were not followed by a rights request within {days} days: check that no request was missed.",
        "{n} privacytickets werden niet binnen {days} dagen gevolgd door een verzoek: controleer of er geen verzoek gemist is.",
    ),
    "v_support_times": (
        "{share} concerned privacy; median resolution {resolution}; {backlog} tickets (of any quarter) open on {as_of}.",
        "{share} ging over privacy; mediane oplostijd {resolution}; {backlog} tickets (van elk kwartaal) open op {as_of}.",
    ),
    "v_rights_kept": (
        "All {n} requests completed this quarter were on time, and none is open past its deadline.",
        (
            "Alle {n} verzoeken die dit kwartaal werden afgehandeld, waren tijdig, en geen enkel staat open over zijn "
            "termijn."
        ),
    ),
    "v_rights_not": (
        (
            "{rate} of the {n} requests completed this quarter were on time; {overdue} open requests are past their "
            "deadline."
        ),
        (
            "{rate} van de {n} verzoeken die dit kwartaal werden afgehandeld, was tijdig; {overdue} open verzoeken zijn "
            "over hun termijn."
        ),
    ),
    "v_rights_nothing": (
        "No request was received or completed in the quarter, and none was open on {as_of}: there is nothing to judge.",
        "Dit kwartaal werd geen verzoek ontvangen of afgehandeld, en op {as_of} stond er geen open: er is niets te beoordelen.",
    ),
    "v_rights_none": (
        "No request was completed this quarter; {overdue} open requests are past their deadline.",
        "Dit kwartaal werd geen verzoek afgehandeld; {overdue} open verzoeken zijn over hun termijn.",
    ),
    "v_rights_received": (
        "{n} requests were received; extensions: {valid} valid, {invalid} notified too late.",
        "Er kwamen {n} verzoeken binnen; verlengingen: {valid} geldig, {invalid} te laat gemeld.",
    ),
    "v_quality_ok": (
        "All {rows_in} exported rows were loaded.",
        "Alle {rows_in} geëxporteerde rijen zijn geladen.",
    ),
    "v_quality_warn": (
        (
            "{rejected} of {rows_in} exported rows were set aside and are not in the figures; {flagged} loaded rows "
            "are flagged and kept out of the figures they would distort."
        ),
        (
            "{rejected} van {rows_in} geëxporteerde rijen zijn apart gezet en tellen niet mee; {flagged} geladen rijen "
            "zijn gemarkeerd en blijven buiten de cijfers die ze zouden vertekenen."
        ),
    ),
    "v_quality_absent": (
        "Optional tables not exported: {names}.",
        "Optionele tabellen niet geëxporteerd: {names}.",
    ),
    "about": (
        (
            "Computed from the exports by privacy-review as of {as_of}. The report holds aggregates only: no names, "
            "e-mail addresses, IP addresses or device IDs. Where a row must be named it carries a pseudonymous key. "
            "Figures marked {na} could not be computed for this quarter."
        ),
        (
            "Berekend uit de exports door privacy-review op {as_of}. Het rapport bevat alleen totalen: geen namen, "
            "e-mailadressen, IP-adressen of apparaat-ID's. Waar een rij benoemd moet worden, draagt ze een "
            "pseudonieme sleutel. Cijfers met {na} konden voor dit kwartaal niet berekend worden."
        ),
    ),
    "no_data": ("No data: {what}.", "Geen gegevens: {what}."),
    "table_absent": (
        "the table {name} was not produced",
        "de tabel {name} is niet aangemaakt",
    ),
    # charts
    "ch_accounts": ("Accounts", "Accounts"),
    "ch_requests": ("Requests", "Verzoeken"),
    "ch_tickets": ("Tickets", "Tickets"),
    "ch_rows": ("Rows", "Rijen"),
    "ch_records": ("Records past deadline", "Records over termijn"),
    "ch_signup_quarter": ("Signup quarter", "Kwartaal van aanmelding"),
    "ch_months_inactive": ("Months inactive", "Maanden inactief"),
    "ch_quarter_end": ("Quarter end", "Einde kwartaal"),
    "ch_quarter": ("Quarter", "Kwartaal"),
    "ch_month": ("Month", "Maand"),
    "ch_channel": ("Channel", "Kanaal"),
    "ch_category": ("Category", "Categorie"),
    "ch_deadline_week": ("Week of deadline (Monday)", "Week van de deadline (maandag)"),
    "ch_oldest": ("Oldest overdue (days)", "Oudste overschrijding (dagen)"),
    "ch_hours": ("Hours", "Uren"),
    "ch_hours_bin": ("Elapsed time", "Verstreken tijd"),
    "ch_measure": ("Measure", "Maat"),
    "ch_right": ("Right", "Recht"),
    "ch_count": ("Count", "Aantal"),
    "ch_days_allowed": ("Days allowed (deadline)", "Toegestane dagen (termijn)"),
    "ch_days_taken": ("Days taken to complete", "Dagen tot afhandeling"),
    "ch_on_time_rate": ("Completed on time (%)", "Tijdig afgehandeld (%)"),
    "ch_table": ("Table", "Tabel"),
    "ch_reason": ("Reason", "Reden"),
    "ch_age": ("Age of open request", "Leeftijd van open verzoek"),
    "ch_status": ("Status", "Status"),
    "on_time": ("on time", "tijdig"),
    "late": ("late", "te laat"),
    "received": ("received", "ontvangen"),
    "completed": ("completed", "afgehandeld"),
    "completed_on_time": ("completed on time", "tijdig afgehandeld"),
    "first_response": ("first response", "eerste reactie"),
    "resolution": ("resolution", "oplossing"),
    "median": ("median", "mediaan"),
    "p90": ("90th percentile", "90e percentiel"),
    "t_cohorts": (
        "{n} accounts have been inactive for 12 months or more",
        "{n} accounts zijn 12 maanden of langer inactief",
    ),
    "t_cohorts_one": (
        "1 account has been inactive for 12 months or more",
        "1 account is 12 maanden of langer inactief",
    ),
    "t_cohorts_sub": (
        "Accounts by signup quarter and months since last activity",
        "Accounts per kwartaal van aanmelding en maanden sinds laatste activiteit",
    ),
    "t_buckets": (
        "{n} accounts are in the 12 months+ bucket",
        "{n} accounts zitten in de groep 12 maanden+",
    ),
    "t_buckets_sub": (
        "Accounts by months since last activity",
        "Accounts per aantal maanden sinds laatste activiteit",
    ),
    "t_inactivity_trend_sub": (
        "Accounts by months since last activity, at each quarter end",
        "Accounts per maanden sinds laatste activiteit, op elk kwartaaleinde",
    ),
    "t_inactivity_trend": (
        "Inactive accounts over eight quarters",
        "Inactieve accounts over acht kwartalen",
    ),
    "t_pipeline": (
        "{n} accounts reach their erasure deadline in the next 90 days",
        "{n} accounts bereiken hun wisdeadline in de komende 90 dagen",
    ),
    "t_pipeline_one": (
        "1 account reaches its erasure deadline in the next 90 days",
        "1 account bereikt zijn wisdeadline in de komende 90 dagen",
    ),
    "t_pipeline_sub": (
        "Accounts by week of their erasure deadline, unless they become active again",
        "Accounts per week van hun wisdeadline, tenzij ze weer actief worden",
    ),
    "t_account_breaches": (
        "{n} accounts are past their erasure deadline",
        "{n} accounts zijn voorbij hun wisdeadline",
    ),
    "t_account_breaches_one": (
        "1 account is past its erasure deadline",
        "1 account is voorbij zijn wisdeadline",
    ),
    "t_breaches": (
        "{n} records are held past their retention deadline",
        "{n} records worden na hun bewaartermijn bewaard",
    ),
    "t_breaches_one": (
        "1 record is held past its retention deadline",
        "1 record wordt na zijn bewaartermijn bewaard",
    ),
    "t_breaches_none": (
        "No record is held past its retention deadline",
        "Geen enkel record wordt na zijn bewaartermijn bewaard",
    ),
    "t_breaches_sub": (
        "Records past deadline by category; label: oldest overdue in days",
        "Records over termijn per categorie; label: oudste overschrijding in dagen",
    ),
    "t_retention_trend": (
        "{n} accounts past their deadline on {date}, {change}",
        "{n} accounts voorbij hun deadline op {date}, {change}",
    ),
    "t_retention_trend_sub": (
        "Accounts past their erasure deadline at each quarter end",
        "Accounts voorbij hun wisdeadline op elk kwartaaleinde",
    ),
    "up_from": ("up from {n} a quarter earlier", "meer dan {n} een kwartaal eerder"),
    "down_from": (
        "down from {n} a quarter earlier",
        "minder dan {n} een kwartaal eerder",
    ),
    "same_as": ("the same as a quarter earlier", "evenveel als een kwartaal eerder"),
    "t_channel_month": (
        "{n} support tickets this quarter, most via {channel}",
        "{n} supporttickets dit kwartaal, de meeste via {channel}",
    ),
    "t_channel_month_sub": (
        "Tickets created per month, by channel",
        "Aangemaakte tickets per maand, per kanaal",
    ),
    "t_by_category": (
        "Most tickets concern {category}",
        "De meeste tickets gaan over {category}",
    ),
    "t_by_category_sub": (
        "Tickets created in the quarter, by category",
        "Tickets aangemaakt in het kwartaal, per categorie",
    ),
    "t_durations": (
        "Slowest median first response: {channel} ({hours})",
        "Traagste mediane eerste reactie: {channel} ({hours})",
    ),
    "t_durations_sub": (
        "Median and 90th percentile, in hours, by channel",
        "Mediaan en 90e percentiel, in uren, per kanaal",
    ),
    "t_histogram": (
        "How long tickets waited, by channel",
        "Hoe lang tickets wachtten, per kanaal",
    ),
    "t_histogram_sub": (
        "Tickets by elapsed hours until first response and until resolution",
        "Tickets per verstreken uren tot eerste reactie en tot oplossing",
    ),
    "t_by_right": (
        "{n} rights requests received, most often {right}",
        "{n} verzoeken ontvangen, meestal {right}",
    ),
    "t_by_right_sub": (
        "Requests received, completed and completed on time, by right",
        "Ontvangen, afgehandelde en tijdig afgehandelde verzoeken, per recht",
    ),
    "t_days": (
        "{late} of {n} completed requests took longer than allowed",
        "{late} van {n} afgehandelde verzoeken duurden langer dan toegestaan",
    ),
    "t_days_sub": (
        "Each dot is a request; above the line means late",
        "Elke stip is een verzoek; boven de lijn is te laat",
    ),
    "t_on_time": (
        "{rate} of requests completed on time in {quarter}",
        "{rate} van de verzoeken tijdig afgehandeld in {quarter}",
    ),
    "t_on_time_sub": (
        "Share of requests completed on time, by quarter of completion; line: the 100% the law requires",
        "Aandeel tijdig afgehandelde verzoeken, per kwartaal van afhandeling; lijn: de wettelijke 100%",
    ),
    "t_ageing": (
        "{n} open requests, {overdue} past their deadline",
        "{n} open verzoeken, {overdue} over hun termijn",
    ),
    "t_ageing_sub": (
        "Open requests by age on the review date",
        "Open verzoeken per leeftijd op de peildatum",
    ),
    "t_quality": ("{n} export rows were set aside", "{n} exportrijen zijn apart gezet"),
    "t_quality_one": ("1 export row was set aside", "1 exportrij is apart gezet"),
    "t_quality_none": (
        "No export row was set aside",
        "Geen enkele exportrij is apart gezet",
    ),
    "t_quality_sub": (
        "Rows set aside by table and reason; they are not in any figure",
        "Apart gezette rijen per tabel en reden; ze tellen in geen enkel cijfer mee",
    ),
    "t_flags": ("{n} loaded rows are flagged", "{n} geladen rijen zijn gemarkeerd"),
    "t_flags_sub": (
        "Flagged rows (orphans, impossible orders) by table",
        "Gemarkeerde rijen (wezen, onmogelijke volgorde) per tabel",
    ),
    # rights
    "right_access": ("access", "inzage"),
    "right_rectification": ("rectification", "rectificatie"),
    "right_erasure": ("erasure", "wissing"),
    "right_restriction": ("restriction", "beperking"),
    "right_objection": ("objection", "bezwaar"),
    "right_portability": ("portability", "overdraagbaarheid"),
    "right_consent_withdrawal": ("consent withdrawal", "intrekking toestemming"),
    # channels
    "channel_help_center": ("help center", "helpcentrum"),
    "channel_live_chat": ("live chat", "livechat"),
    "channel_email": ("e-mail", "e-mail"),
    "channel_other": ("other", "ander"),
    "channel_all": ("all channels", "alle kanalen"),
    "overdue": ("past the deadline", "over de termijn"),
    "not_yet_due": ("not yet due", "nog niet vervallen"),
}


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(
            f"language must be one of {', '.join(LANGUAGES)}, not {language!r}"
        )
    return language


def t(language: str, key: str, **values) -> str:
    """The text for ``key`` in ``language`` with ``values`` filled in."""
    en, nl = TEXT[key]
    return (nl if language == "nl" else en).format(**values)


def tn(language: str, key: str, n, **values) -> str:
    """Like :func:`t`, choosing the ``_one`` variant when ``n == 1``; ``n`` is formatted as a count."""
    from pipelines.report.kit.fmt import fmt_int

    chosen = f"{key}_one" if n == 1 and f"{key}_one" in TEXT else key
    return t(language, chosen, n=fmt_int(n, language), **values)


def label(language: str, prefix: str, value: str) -> str:
    """A known value's display name (``label('nl', 'right', 'erasure') == 'wissing'``), else the value."""
    key = f"{prefix}_{value}"
    return t(language, key) if key in TEXT else str(value).replace("_", " ")


