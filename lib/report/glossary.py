"""The report's glossary: each word or mark that stays in the report, in plain English.

The PDF prints it after the notes and the preview shows it with the methods. A term is written as the report
writes it, so a reader who meets it can find it here.
"""

from __future__ import annotations

from lib import analysis

TERMS: tuple[tuple[str, str], ...] = (
    ("BSO", "Business support officer: the member of staff who phones carers and birth parents each month to ask "
            "for their feedback."),
    ("BSO month", "One BSO's calendar month. The monthly minimum of feedback calls is met or missed BSO month by BSO "
                  "month."),
    ("Monthly minimum", "The number of completed carer and birth-parent feedback calls each BSO is expected to make "
                        "every month."),
    ("Mainstream, kinship", "The two placement types. Mainstream foster carers care for children they did not know "
                            "before; kinship carers are relatives or friends approved to foster a child they already "
                            "know."),
    ("Annual Review", "The yearly review of a foster carer's approval. Children living in the household are asked "
                      "for their views as part of it."),
    ("Supervising social worker", "The social worker who supports and supervises a foster carer household."),
    ("KIT call", "A keeping-in-touch call: a regular phone call to a carer household between visits."),
    ("% positive", "Of the people who gave a valid answer, the share who chose one of the two most positive answers "
                   "(or 'yes'). 'Not applicable' and 'don't know' are not valid answers and are left out."),
    ("n", "The number of valid answers a % is worked out from."),
    ("c (suppressed)", "A figure hidden to protect privacy: a small count, or a figure from which a small count could "
                       "be worked out. The methods section gives the rules."),
    ("–", "Nobody gave a valid answer, so there is no % to show."),
    ("not asked", "The question is not on that group's form."),
    ("no data", "Nothing was recorded or imported for that month or period."),
    ("Theme", "A topic that comments are about, for example 'Allowances, fees and expenses', from the service's "
              "list of themes (the codebook)."),
    ("Strength, area for improvement", "Whether what was said about a theme was praise or a concern."),
    (f"{analysis.MOVEMENT_WORDS['rising']}, {analysis.MOVEMENT_WORDS['falling']}, {analysis.MOVEMENT_WORDS['steady']}",
     f"A theme's share of all comments compared with the previous period: up or down by at least "
     f"{analysis.MOVEMENT_POINTS:g} percentage points, or less than that."),
    (analysis.MOVEMENT_WORDS["too few to compare"],
     f"Not compared with the previous period: one of the two periods had fewer than {analysis.MIN_COMPARE_BASE} "
     "comments in all, too few for a change to mean much."),
    (analysis.HIDDEN_MOVEMENT, "The theme's own count is hidden (c), so whether it rose or fell is hidden too."),
    ("KPI", "Key performance indicator: a measure of how much the service does, and how much of it in time, for "
            "example support visits in time."),
    ("RAG: Green, Amber, Red", "A measure's indicator against its thresholds: Green at or above 'Green from', Amber "
                               "at or above 'Amber from', Red below that. It is also shown as ● ▲ ■, so it does not "
                               "rely on colour."),
    ("Regulation 24 placement", "A child placed at short notice with a relative or friend, who is approved as a "
                                "foster carer for a limited time while they are fully assessed (Care Planning, "
                                "Placement and Case Review (England) Regulations 2010, regulation 24)."),
    ("De-registered", "No longer on the register of approved foster carers."),
    ("Case-file audit", "A check of a sample of carers' files against the service's standards, by the household's "
                        "team manager (the lead auditor) and a manager from another team (the peer auditor), graded "
                        "Outstanding, Good, Requires improvement or Inadequate."),
    ("Moderated", "Checked, and agreed or changed, by a senior manager. Audit grades count in the report only once "
                  "moderated."),
    ("Eight-week review", "The check, eight weeks after an audit is moderated, that the actions it set have been "
                          "done."),
    ("Direct work", "Planned sessions with children, carers or birth parents, for example life-story work or a "
                    "carers' forum."),
    ("Placing authority", "The local authority responsible for a child in care, which places the child with a "
                          "foster carer."),
    ("IRO", "Independent reviewing officer: the social worker who chairs a child in care's reviews."),
    ("Regulation 35", "The Fostering Services (England) Regulations 2011, regulation 35: the service must review the "
                      "quality of its care, asking carers, children and placing authorities."),
    ("NMS", "The Fostering Services National Minimum Standards (2011), which a fostering service must meet."),
    ("SCCIF", "Ofsted's Social Care Common Inspection Framework: how Ofsted inspects social care services."),
    ("QA", "Quality assurance: the team that prepares this report and checks every quote in it."),
    ("Protective marking", "The marking at the top and foot of every page, which says how to handle the report: "
                           "share it only with people who need it, and keep and send it securely."),
)
