"""The annual report as the service's quality-of-care review (Regulation 35 of the Fostering Services (England)
Regulations 2011): its own outline, the parts only the Registered Manager writes, and a table mapping each section
to Regulation 35, the Fostering National Minimum Standards 1, 2 and 25 and the evidence Ofsted's SCCIF looks for.
"""

from __future__ import annotations

from lib import disclosure, periods
from lib.report.model import Section, Table

TITLE = "Quality-of-care review (Regulation 35) and annual feedback report"
# The annual outline: purpose, consultation, what people said, what we did, judgement, priorities, then the method.
OUTLINE = ("findings", "purpose", "consultation", "headlines", "coverage", "carers", "parents", "children", "placing",
           "audits", "direct_work", "complaints", "actions", "kpis", "compliance", "judgement", "priorities", "mapping",
           "methods")
SECTIONS = {
    "purpose": "Purpose of this review",
    "consultation": "How we consulted children, carers, parents and placing authorities",
    "judgement": "The Registered Manager's judgement and recommendations",
    "priorities": "Priorities for next year",
    "mapping": "How this review meets Regulation 35, the standards and inspection",
}
WRITTEN_BY_HAND = ("judgement", "priorities")  # sections that are only their commentary
# Each section of the review against what it evidences: Regulation 35 (review of quality of care: 35(1) monitoring,
# reviewing and improving the quality of care; 35(2) consulting foster parents, children placed and their placing
# authorities), NMS 1 (the child's wishes and feelings, and the views of those significant to them), NMS 2 (a positive
# identity and individualised care), NMS 25 (managing and monitoring: patterns, trends and reports to the executive),
# and the SCCIF judgement areas.
MAPPING = {
    "findings": ("35(1) reviewing quality", "", "25 patterns and trends", "Effectiveness of leaders and managers"),
    "consultation": ("35(2) consultation", "1 views sought regularly", "", "Effectiveness of leaders and managers"),
    "coverage": ("35(2) consultation", "1 views sought regularly", "25 monitoring", "Effectiveness of leaders and managers"),
    "carers": ("35(2) foster parents", "", "25 monitoring", "Experiences and progress of children"),
    "parents": ("35(1) quality of care", "1 views of family", "", "Experiences and progress of children"),
    "children": ("35(2) children placed", "1 wishes and feelings", "", "Experiences and progress of children; how "
                 "well children are helped and protected"),
    "placing": ("35(2) placing authorities", "1 views of social worker and IRO", "", "Experiences and progress of "
                "children"),
    "audits": ("35(1) monitoring", "1 views used in monitoring", "25 monitoring", "Effectiveness of leaders and "
               "managers"),
    "direct_work": ("35(1) quality of care", "1 wishes and feelings; 2 individualised care", "",
                    "Experiences and progress of children"),
    "complaints": ("35(1) monitoring", "1 knowing how to complain; advocacy", "25 complaints and their patterns",
                   "How well children are helped and protected"),
    "actions": ("35(1) improving quality", "1 views acted on", "25 action on findings", "Effectiveness of leaders and "
                "managers"),
    "kpis": ("35(1) monitoring", "", "25 monitoring", "Effectiveness of leaders and managers"),
    "compliance": ("35(2) consultation", "1 views sought regularly", "25 monitoring", "Effectiveness of leaders and "
                   "managers"),
    "judgement": ("35(1) reviewing and improving", "", "25 reports to the executive", "Effectiveness of leaders and "
                  "managers"),
    "priorities": ("35(1) improving quality", "2 individualised care", "25 action on findings",
                   "Effectiveness of leaders and managers"),
}


def is_review(chosen: periods.Period) -> bool:
    """True for a financial year: its report is the quality-of-care review."""
    try:
        periods.FinancialYear.parse(chosen.key)
    except ValueError:
        return False
    return True


def purpose(chosen: periods.Period, led: disclosure.Ledger) -> Section:
    def rule(number: int) -> str:  # numbers of regulations and standards, not counts
        return led.public(number, label="the number of a regulation or standard")

    return Section("purpose", SECTIONS["purpose"], summary=(
        f"This is the fostering service's review of the quality of care for {chosen.short}, under Regulation {rule(35)} of "
        "the Fostering Services (England) Regulations 2011: the system by which the service monitors, reviews and "
        "improves the quality of the foster care it provides.",
        f"Regulation {rule(35)} asks that the review consults foster carers, the children placed and their placing "
        "authorities. "
        "This review brings together what children, mainstream and kinship carers, birth parents and placing "
        "authorities told the service during the year, what the service did about it, and the Registered Manager's "
        "judgement of the quality of care and priorities for the year ahead.",
        f"It also serves the Fostering National Minimum Standards {rule(1)} (the child's wishes and feelings, and the "
        f"views of those significant to them), {rule(2)} (individualised care) and {rule(25)} (managing and monitoring "
        "the service), and is evidence for an Ofsted inspection under the SCCIF; the last section maps each part to "
        "them.",
    ))


def consultation(led: disclosure.Ledger, figures: dict[str, disclosure.Terms], placing: bool) -> Section:
    """figures: the headline's atoms per form (children's views, carers' and parents' calls, audit feedback)."""
    said = [f"Children and young people: {led.count(figures['child'])} gave their views at their carers' Annual "
            "Reviews (see “Who we heard from” for the reviews held).",
            f"Foster carers and kinship carers: {led.count(figures['carer'])} monthly feedback calls were completed by "
            "business support officers.",
            f"Birth parents: {led.count(figures['parent'])} feedback calls were completed.",
            f"Case-file audits: {led.count(figures['audit'])} pieces of feedback from children, carers and parents were "
            "gathered as cases were audited."]
    if placing:
        said.append(f"Placing authorities: {led.count(figures['placing_authority'])} returns from children's social "
                    "workers and Independent Reviewing Officers.")
    else:
        said.append("Placing authorities: no feedback from placing authorities was recorded this year.")
    said.append("Complaints, comments and compliments, and what children said with the help of an advocate, are "
                "reported in their own section.")
    return Section("consultation", SECTIONS["consultation"], summary=tuple(said))


def written(key: str) -> Section:
    """A part the Registered Manager writes: empty until the commentary is saved."""
    words = {"judgement": "The Registered Manager writes their judgement of the quality of care, with recommendations, "
                          "as this section's commentary before the review is approved.",
             "priorities": "The Registered Manager sets the service's priorities for next year as this section's "
                           "commentary, drawing on the key findings and the actions still open."}
    return Section(key, SECTIONS[key], empty=words[key])


def mapping(titles: dict[str, str], led: disclosure.Ledger) -> Section:
    """The table of each section of the review against Regulation 35, NMS 1, 2 and 25, and the SCCIF."""
    rows = tuple((titles[key], *MAPPING[key]) for key in OUTLINE if key in MAPPING and key in titles)
    reg = led.public(35, label="the number of a regulation")
    return Section("mapping", SECTIONS["mapping"], tables=(Table(
        f"Sections mapped to Regulation {reg}, the National Minimum Standards and the SCCIF",
        ("Section", "Regulation 35", "NMS 1 and 2", "NMS 25", "SCCIF evidence"), rows, text_columns=(1, 2, 3, 4),
        note=f"Regulation {reg}: the Fostering Services (England) Regulations 2011. NMS: Fostering Services National "
             "Minimum Standards 2011. SCCIF: Ofsted's social care common inspection framework (its three judgement "
             "areas)."),))
