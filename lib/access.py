"""Roles, the actions each may take, and the page table, as data; require() guards every write."""

from __future__ import annotations

from dataclasses import dataclass

ROLES: dict[str, str] = {
    "bso": "Business support officer",
    "social_worker": "Social worker",
    "manager": "Manager",
    "qa": "Quality assurance",
    "senior_manager": "Senior manager",
    "advanced_practitioner": "Advanced practitioner",
    "registered_manager": "Registered Manager",
}

# action -> (what it lets you do, in words for error messages; roles allowed)
ACTIONS: dict[str, tuple[str, frozenset[str]]] = {
    "use_app": ("use the app", frozenset(ROLES)),
    "change_own_password": ("change your password", frozenset(ROLES)),
    "record_carer_feedback": ("record carer feedback", frozenset({"bso"})),
    "record_parent_feedback": ("record birth-parent feedback", frozenset({"bso"})),
    "record_child_feedback": ("record a child's views at an Annual Review", frozenset({"social_worker"})),
    "record_audit_feedback": ("record case-file audit feedback", frozenset({"manager"})),
    "record_direct_work": ("record direct work or targeted feedback", frozenset({"social_worker", "manager"})),
    # Placing authorities' views (the child's social worker, the IRO) come back as survey returns or are given at
    # meetings; the managers and QA who run the Regulation 35 consultation record them.
    "record_placing_authority_feedback": ("record placing authority feedback", frozenset({"manager", "qa"})),
    "view_my_month": ("see your monthly minimum", frozenset({"bso"})),
    "view_entries": ("see feedback entries", frozenset({"bso", "social_worker", "manager", "qa"})),
    "view_all_entries": ("see everyone's feedback entries", frozenset({"manager", "qa"})),
    "edit_any_entry": ("correct anyone's feedback entry", frozenset({"manager", "qa"})),
    "view_deleted_entries": ("see and restore deleted entries", frozenset({"qa"})),
    "view_compliance": ("see BSO compliance", frozenset({"manager", "qa"})),
    "view_follow_ups": ("see call-backs and safeguarding flags", frozenset({"manager", "qa"})),
    "close_follow_up": ("close call-backs and safeguarding flags", frozenset({"manager", "qa"})),
    "view_question_bank": ("see the question bank", frozenset({"qa"})),
    "view_themes": ("explore themes", frozenset({"manager", "qa"})),
    "build_report": ("build and publish the feedback report", frozenset({"qa"})),
    # Sign-off (issue 15): the Registered Manager approves a report as it stands before QA may publish it, and
    # reads it (the draft asked about, published versions) but never builds, edits or publishes it.
    "approve_report": ("approve the feedback report for publishing", frozenset({"registered_manager"})),
    "view_published_reports": ("see and download published feedback reports",
                               frozenset({"qa", "registered_manager"})),
    "withdraw_report": ("withdraw or supersede a published feedback report", frozenset({"qa"})),
    "record_representation": ("log compliments, comments and complaints", frozenset({"bso", "manager", "qa"})),
    "record_complaint": ("log a complaint", frozenset({"manager", "qa"})),
    "view_representations": ("see the compliments, comments and complaints log", frozenset({"manager", "qa"})),
    "edit_representation": ("change the compliments, comments and complaints log", frozenset({"manager", "qa"})),
    "manage_actions": ("record \"You said, we did\" actions", frozenset({"manager", "qa"})),
    "review_codes": ("review theme codes", frozenset({"manager", "qa"})),
    "manage_codebook": ("change the theme codebook", frozenset({"qa"})),
    "view_register": ("see the carer register", frozenset({"manager", "qa"})),
    "import_register": ("import the carer register", frozenset({"qa"})),
    "manage_users": ("manage users and teams", frozenset({"qa"})),
    "edit_settings": ("change the service settings", frozenset({"qa"})),
    "manage_backups": ("take a backup of the database", frozenset({"qa"})),
    "apply_retention": ("apply the retention policy", frozenset({"qa"})),
    "view_history": ("see the history of changes, sign-ins and exports", frozenset({"qa"})),
    "view_kpis": ("see the performance dashboard", frozenset({"manager", "qa"})),
    "manage_kpis": ("import performance figures and change the KPI measures", frozenset({"qa"})),
    "plan_audits": ("draw and circulate the case-file audit programme", frozenset({"qa"})),
    "view_audit_programme": ("see the case-file audit programme", frozenset({"senior_manager", "qa"})),
    "record_case_audit": ("carry out case-file audits", frozenset({"manager"})),
    "moderate_audits": ("moderate case-file audits", frozenset({"senior_manager"})),
    "review_audit_actions": ("record the eight-week review of an audit's actions",
                             frozenset({"advanced_practitioner", "qa"})),
    "record_targeted_audit": ("record targeted audits", frozenset({"manager", "senior_manager", "qa"})),
    "view_audit_findings": ("see case-file audit grades and learning", frozenset({"manager", "senior_manager", "qa"})),
}


class PermissionDenied(PermissionError):
    """Raised when a signed-in user tries something their roles do not allow."""


@dataclass(frozen=True)
class User:
    """The signed-in person, as the app and every lib write function sees them."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    team_id: int | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles


def roles_for(action: str) -> frozenset[str]:
    """The roles allowed to take an action; KeyError for an action nobody declared."""
    return ACTIONS[action][1]


def can(user: User | None, action: str) -> bool:
    """True if the user holds a role that may take the action."""
    return user is not None and bool(user.roles & roles_for(action))


def require(user: User | None, action: str) -> None:
    """Raise PermissionDenied unless the user may take the action."""
    if not can(user, action):
        raise PermissionDenied(f"You do not have permission to {ACTIONS[action][0]}.")


@dataclass(frozen=True)
class Page:
    """One screen: its script in app_pages/, its title and icon, and the action needed to see it."""

    script: str
    title: str
    icon: str
    action: str
    section: str
    url_path: str

    @property
    def roles(self) -> frozenset[str]:
        return roles_for(self.action)


# The navigation, in order. A person sees a page if any of their roles allows its action.
PAGES: tuple[Page, ...] = (
    Page("app_pages/home.py", "Home", ":material/home:", "use_app", "", "home"),
    Page("app_pages/capture/carer_feedback.py", "Carer feedback", ":material/call:", "record_carer_feedback", "Record",
         "carer"),
    Page("app_pages/capture/parent_feedback.py", "Birth-parent feedback", ":material/family_restroom:",
         "record_parent_feedback", "Record", "parent"),
    Page("app_pages/capture/child_feedback.py", "Child's views", ":material/child_care:",
         "record_child_feedback", "Record", "child"),
    Page("app_pages/capture/audit_feedback.py", "Case-file audit feedback", ":material/fact_check:", "record_audit_feedback", "Record",
         "audit-feedback"),
    Page("app_pages/capture/placing_authority_feedback.py", "Placing authority feedback", ":material/account_balance:",
         "record_placing_authority_feedback", "Record", "placing-authority"),
    Page("app_pages/audits/my_audits.py", "My audits", ":material/assignment:", "record_case_audit", "Record", "my-audits"),
    Page("app_pages/audits/targeted_audits.py", "Targeted audits", ":material/track_changes:", "record_targeted_audit",
         "Record", "targeted-audits"),
    Page("app_pages/capture/direct_work.py", "Direct work", ":material/handshake:", "record_direct_work", "Record",
         "direct-work"),
    Page("app_pages/capture/my_month.py", "My month", ":material/calendar_month:", "view_my_month", "Record", "my-month"),
    Page("app_pages/capture/entries.py", "Entries", ":material/list_alt:", "view_entries", "Record", "entries"),
    Page("app_pages/themes/themes_explorer.py", "Themes", ":material/insights:", "view_themes", "Oversee", "themes"),
    Page("app_pages/log/complaints.py", "Compliments, comments and complaints", ":material/feedback:", "record_representation",
         "Record", "complaints"),
    Page("app_pages/log/actions.py", "You said, we did", ":material/campaign:", "manage_actions", "Oversee", "actions"),
    Page("app_pages/report/report_builder.py", "Feedback report", ":material/summarize:", "build_report", "Report",
         "report"),
    Page("app_pages/report/report_approval.py", "Report approval", ":material/approval:", "approve_report", "Report",
         "report-approval"),
    Page("app_pages/audits/audit_findings.py", "Audit findings", ":material/bar_chart:", "view_audit_findings", "Report",
         "audit-findings"),
    Page("app_pages/themes/theme_review.py", "Review codes", ":material/rate_review:", "review_codes", "Oversee", "review"),
    Page("app_pages/capture/compliance.py", "BSO compliance", ":material/rule:", "view_compliance", "Oversee", "compliance"),
    Page("app_pages/kpis/kpi_dashboard.py", "Performance", ":material/speed:", "view_kpis", "Oversee", "performance"),
    Page("app_pages/capture/follow_ups.py", "Follow-ups", ":material/flag:", "view_follow_ups", "Oversee", "follow-ups"),
    Page("app_pages/audits/audit_programme.py", "Audit programme", ":material/checklist:", "view_audit_programme", "Oversee",
         "audit-programme"),
    Page("app_pages/audits/audit_moderation.py", "Audit moderation", ":material/gavel:", "moderate_audits", "Oversee",
         "audit-moderation"),
    Page("app_pages/audits/audit_reviews.py", "Eight-week reviews", ":material/event_repeat:", "review_audit_actions",
         "Oversee", "audit-reviews"),
    Page("app_pages/people/carer_register.py", "Carer register", ":material/diversity_3:", "view_register", "Administer", "register"),
    Page("app_pages/kpis/kpi_data.py", "Performance figures", ":material/upload_file:", "manage_kpis", "Administer",
         "performance-figures"),
    Page("app_pages/people/users.py", "Users and teams", ":material/group:", "manage_users", "Administer", "users"),
    Page("app_pages/store/service_settings.py", "Settings", ":material/settings:", "edit_settings", "Administer", "settings"),
    Page("app_pages/themes/codebook.py", "Codebook", ":material/label:", "manage_codebook", "Administer", "codebook"),
    Page("app_pages/capture/question_bank.py", "Question bank", ":material/quiz:", "view_question_bank", "Administer",
         "questions"),
    Page("app_pages/store/history.py", "History", ":material/history:", "view_history", "Administer", "audit"),
    Page("app_pages/people/my_account.py", "My account", ":material/person:", "change_own_password", "Account", "account"),
)


def pages_for(user: User | None) -> list[Page]:
    """The pages a user may open, each once, in navigation order."""
    return [page for page in PAGES if can(user, page.action)]
