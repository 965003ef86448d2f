"""Barrierefreiheit: the Erklärung zur Barrierefreiheit that BITV NRW asks of every public web
offer of the Kreis — how far the app meets BITV 2.0 / EN 301 549 (WCAG 2.1 AA), what is tested,
what is known not to be accessible and its alternative, where to give feedback, the enforcement
procedure. The contact comes from configuration ([accessibility] in xregion.toml)."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui

# What is known not to be accessible, and the accessible alternative for each.
KNOWN_LIMITS = [
    ("Karten und Diagramme sind Grafiken.",
     "Jede Grafik hat eine Textalternative (Titel und eine Zusammenfassung in einem Satz) und darunter "
     "„Daten als Tabelle“; dieselben Daten gibt es als CSV und XLSX."),
    ("Die Tabellenbearbeitung (Verwaltung → Tabellen bearbeiten) ist ein gezeichnetes Raster, das "
     "Bildschirmleser nur eingeschränkt vorlesen.",
     "Messwerte lassen sich im Formular „Messwert erfassen“ eintragen, das ganze Register über die "
     "Excel-Vorlage (`xregion register-template`, `xregion import`)."),
    ("PDF-Exporte sind nicht getaggt (keine PDF/UA-Struktur).",
     "Die Daten jeder Grafik als CSV oder XLSX, die Präsentation als PPTX mit bearbeitbaren Diagrammen."),
    ("Einzelne Bedienelemente des Anwendungsrahmens (Streamlit) tragen englische Texte, z. B. im "
     "Menü der Tabellen und beim Hochladen von Dateien.",
     "Wo Streamlit es erlaubt, sind die Texte deutsch; die übrigen Bedienelemente sind mit der Tastatur erreichbar."),
]  # fmt: skip


def render() -> None:
    ui.page_header("Barrierefreiheit", "Erklärung zur Barrierefreiheit")
    settings = data.settings().accessibility
    st.markdown(
        f"Der {ui.region_label()} ist bemüht, den XRegion Monitor im Einklang mit dem Behindertengleichstellungsgesetz "
        "Nordrhein-Westfalen (BGG NRW) und der Barrierefreie-Informationstechnik-Verordnung NRW (BITVNRW) "
        "barrierefrei zugänglich zu machen. Diese Erklärung gilt für diese Anwendung."
    )
    st.header("Stand der Vereinbarkeit mit den Anforderungen")
    st.markdown(
        "Die Anwendung ist mit der BITV 2.0 und der Norm EN 301 549 (WCAG 2.1, Stufe AA) **teilweise vereinbar**. "
        "Die Unvereinbarkeiten und die Alternativen dazu sind unten aufgeführt."
    )
    st.header("Wie geprüft wird")
    st.markdown(
        "- Selbstbewertung; eine Prüfung durch eine externe Prüfstelle steht aus.\n"
        "- Bei jeder Änderung der Anwendung prüft ein automatischer Test jede Seite in einem echten Browser mit "
        "axe-core (Regeln für WCAG 2.1 A und AA): keine kritischen und keine schwerwiegenden Befunde.\n"
        "- Geprüft werden außerdem: Sprache der Seite (Deutsch), ein eigener Seitentitel je Seite, "
        "Textalternativen der Grafiken und die Bedienung der Präsentation mit der Tastatur "
        "(Pfeiltasten, Bild auf/ab, Leertaste, Esc)."
    )
    st.header("Nicht barrierefreie Inhalte")
    st.markdown("\n".join(f"- {what} **Alternative:** {instead}" for what, instead in KNOWN_LIMITS))
    st.header("Feedback und Kontakt")
    contact = [settings.contact_name]
    if settings.contact_email:
        contact.append(f"E-Mail: {settings.contact_email}")
    if settings.contact_phone:
        contact.append(f"Telefon: {settings.contact_phone}")
    st.markdown(
        "Sind Ihnen Mängel beim barrierefreien Zugang aufgefallen, oder brauchen Sie Inhalte in einer anderen Form? "
        "Dann wenden Sie sich bitte an:\n\n" + "  \n".join(contact)
    )
    if not settings.contact_email:
        st.warning(
            "Für diese Installation ist noch keine Kontaktadresse eingetragen. Die Administration trägt sie in "
            "`xregion.toml` unter `[accessibility]` als `contact_email` ein (oder setzt `XREGION_A11Y_CONTACT`)."
        )
    st.header("Durchsetzungsverfahren")
    st.markdown(
        "Bleibt Ihre Rückmeldung ohne zufriedenstellende Antwort, können Sie sich an die "
        f"{settings.enforcement} wenden. Das Verfahren ist kostenfrei."
    )
    st.caption(f"Diese Erklärung wurde zuletzt am {settings.statement_date} überprüft.")
