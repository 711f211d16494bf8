"""Numbered schema migrations, applied on connect(); append new ones, never edit an applied one."""

from __future__ import annotations

import json
import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

steps = Migrations("feedback_hub")


# --- Migrations: append new ones; never edit one that has been applied. ---


def _script(db: sqlite_utils.Database, sql: str) -> None:
    """Run a migration's SQL statement by statement, inside the transaction connect() holds.

    sqlite3's executescript() would COMMIT that transaction before its first statement, so a
    migration could be half applied, or applied by two processes at once.
    """
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        db.execute(statement)



@steps()
def m001_foundation(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        create table meta (
            key text primary key,
            value text not null
        );
        create table teams (
            id integer primary key,
            name text not null unique collate nocase,
            active integer not null default 1 check (active in (0, 1)),
            created_at text not null
        );
        create table users (
            id integer primary key,
            username text not null unique collate nocase,
            display_name text not null,
            email text unique collate nocase,
            password_hash text,
            team_id integer references teams(id),
            active integer not null default 1 check (active in (0, 1)),
            failed_attempts integer not null default 0,
            locked_until text,
            last_sign_in_at text,
            created_at text not null,
            updated_at text not null
        );
        create table user_roles (
            user_id integer not null references users(id),
            role text not null check (role in ('bso', 'social_worker', 'manager', 'qa')),
            primary key (user_id, role)
        );
        create table households (
            id integer primary key,
            reference text not null unique collate nocase,
            display_name text not null,
            cohort text not null check (cohort in ('mainstream', 'kinship')),
            team_id integer references teams(id),
            social_worker_id integer references users(id),
            social_worker_name text,
            approval_on text,
            status text not null default 'active' check (status in ('active', 'inactive')),
            created_at text not null,
            updated_at text not null
        );
        create index households_team on households(team_id);
        create index households_status on households(status, cohort);
        create table settings (
            key text primary key,
            value text not null,
            updated_at text not null,
            updated_by integer references users(id)
        );
        create table audit_log (
            id integer primary key,
            at text not null,
            user_id integer references users(id),
            username text,
            action text not null,
            entity text,
            entity_id text,
            detail text
        );
        create index audit_log_entity on audit_log(entity, entity_id);
        create index audit_log_at on audit_log(at);
        """
    )


@steps()
def m002_feedback(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        create table question_banks (
            version text primary key,
            content text not null,
            checksum text not null,
            installed_at text not null
        );
        create table responses (
            id integer primary key,
            form text not null check (form in ('carer', 'parent', 'child', 'audit', 'direct_work')),
            source text not null check (source in ('bso_call', 'annual_review', 'case_audit', 'direct_work')),
            respondent text not null check (respondent in ('carer', 'birth_parent', 'child')),
            household_id integer references households(id),
            cohort text check (cohort in ('mainstream', 'kinship')),
            contact_on text not null,
            method text check (method in ('phone', 'email', 'visit', 'text')),
            outcome text not null default 'completed'
                check (outcome in ('completed', 'no_answer', 'declined', 'wrong_number')),
            relationship text check (relationship in ('mother', 'father', 'other')),
            parent_reference text,
            child_reference text,
            age_band text check (age_band in ('under_8', '8_11', '12_plus')),
            helped_by text check (helped_by in ('alone', 'social_worker', 'carer', 'advocate')),
            audit_reference text,
            title text,
            bank_version text not null references question_banks(version),
            callback_requested integer not null default 0 check (callback_requested in (0, 1)),
            safeguarding integer not null default 0 check (safeguarding in (0, 1)),
            copied_to_record_on text,
            author_id integer not null references users(id),
            created_at text not null,
            updated_at text not null,
            updated_by integer references users(id),
            deleted_at text,
            deleted_by integer references users(id),
            delete_reason text,
            submission_key text unique
        );
        create index responses_form_date on responses(form, contact_on);
        create index responses_author_date on responses(author_id, contact_on);
        create index responses_household on responses(household_id);
        create table answers (
            response_id integer not null references responses(id),
            item_id text not null,
            value text not null,
            primary key (response_id, item_id)
        );
        create table comments (
            id integer primary key,
            response_id integer not null references responses(id),
            item_id text not null,
            body text not null,
            consent_to_quote integer not null default 0 check (consent_to_quote in (0, 1)),
            unique (response_id, item_id)
        );
        create table follow_ups (
            id integer primary key,
            response_id integer not null references responses(id),
            kind text not null check (kind in ('callback', 'safeguarding')),
            note text,
            told_whom text,
            told_at text,
            status text not null default 'open' check (status in ('open', 'closed')),
            created_at text not null,
            created_by integer not null references users(id),
            closed_at text,
            closed_by integer references users(id),
            closing_note text
        );
        create index follow_ups_open on follow_ups(status, kind);
        create index follow_ups_response on follow_ups(response_id);
        """
    )


@steps()
def m003_themes(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        create table codebook_versions (
            version integer primary key,
            content text not null,
            note text,
            created_at text not null,
            created_by integer references users(id)
        );
        create table themes (
            id text primary key,
            name text not null,
            definition text not null default '',
            applies_to text not null default '[]',
            usually text not null default 'either' check (usually in ('strength', 'improvement', 'either')),
            triggers text not null default '[]',
            status text not null default 'active' check (status in ('active', 'retired')),
            merged_into text references themes(id),
            updated_at text not null
        );
        alter table comments add column sentiment real;
        alter table comments add column sentiment_source text not null default 'machine'
            check (sentiment_source in ('machine', 'human'));
        alter table comments add column human_sentiment text
            check (human_sentiment in ('positive', 'negative', 'neutral', 'mixed'));
        alter table comments add column coded_version integer;
        alter table comments add column reviewed_by integer references users(id);
        alter table comments add column reviewed_at text;
        create table comment_themes (
            comment_id integer not null references comments(id),
            theme_id text not null references themes(id),
            machine integer not null default 0 check (machine in (0, 1)),
            decision text check (decision in ('confirmed', 'removed', 'added')),
            sentiment real,
            reading text check (reading in ('strength', 'improvement', 'neutral')),
            negated integer not null default 0,
            codebook_version integer,
            decided_by integer references users(id),
            decided_at text,
            primary key (comment_id, theme_id)
        );
        create index comment_themes_theme on comment_themes(theme_id);
        create index comments_response on comments(response_id);
        """
    )


@steps()
def m004_explorer_indexes(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        create index responses_contact_on on responses(contact_on);
        create index answers_item on answers(item_id);
        """
    )


@steps()
def m005_theme_readings(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        alter table comment_themes add column human_reading text
            check (human_reading in ('strength', 'improvement', 'neutral'));
        """
    )


@steps()
def m006_reports(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        create table report_drafts (
            period_key text primary key,
            narrative text not null default '{}',
            quotes text not null default '{}',
            updated_at text not null,
            updated_by integer references users(id)
        );
        create table report_versions (
            id integer primary key,
            period_key text not null,
            version integer not null,
            value text not null,
            fingerprint text not null,
            pdf blob not null,
            xlsx blob not null,
            created_at text not null,
            created_by integer not null references users(id),
            unique (period_key, version)
        );
        """
    )


@steps()
def m007_representations_and_actions(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        create table representations (
            id integer primary key,
            kind text not null check (kind in ('compliment', 'comment', 'complaint')),
            received_on text not null,
            from_who text not null check (from_who in ('child', 'birth_parent', 'foster_carer', 'kinship_carer',
                                                       'professional', 'other')),
            cohort text check (cohort in ('mainstream', 'kinship')),
            household_id integer references households(id),
            about_team_id integer references teams(id),
            about_role text,
            about_area text,
            summary text not null,
            consent_to_quote integer not null default 0 check (consent_to_quote in (0, 1)),
            advocacy_offered integer check (advocacy_offered in (0, 1)),
            advocacy_taken integer check (advocacy_taken in (0, 1)),
            status text not null default 'open' check (status in ('open', 'closed')),
            holder_id integer references users(id),
            stage integer check (stage in (1, 2, 3, 4)),
            stage1_extended integer not null default 0 check (stage1_extended in (0, 1)),
            stage1_responded_on text,
            stage2_opened_on text,
            stage2_extended integer not null default 0 check (stage2_extended in (0, 1)),
            stage2_responded_on text,
            stage3_requested_on text,
            stage3_responded_on text,
            ombudsman_on text,
            outcome text check (outcome in ('upheld', 'partly_upheld', 'not_upheld', 'withdrawn', 'resolved')),
            learning text,
            action_taken text,
            noted_on_record_on text,
            author_id integer not null references users(id),
            created_at text not null,
            updated_at text not null,
            updated_by integer references users(id),
            deleted_at text,
            deleted_by integer references users(id),
            delete_reason text
        );
        create index representations_received on representations(received_on);
        create index representations_open on representations(kind, status);
        create table representation_themes (
            representation_id integer not null references representations(id),
            theme_id text not null references themes(id),
            reading text,
            primary key (representation_id, theme_id)
        );
        create table actions (
            id integer primary key,
            said text not null,
            theme_ids text not null default '[]',
            cohort text check (cohort in ('mainstream', 'kinship')),
            respondent text,
            from_quarter text not null,
            sources text not null default '[]',
            will_do text not null,
            did text,
            owner text not null,
            due_on text,
            status text not null default 'planned' check (status in ('planned', 'in_progress', 'done', 'dropped')),
            dropped_reason text,
            impact text,
            told_back text not null default '[]',
            author_id integer not null references users(id),
            created_at text not null,
            updated_at text not null,
            closed_on text
        );
        create table action_events (
            id integer primary key,
            action_id integer not null references actions(id),
            on_day text not null,
            status_from text,
            status_to text not null,
            note text,
            user_id integer not null references users(id)
        );
        create index action_events_action on action_events(action_id, on_day);
        """
    )


@steps()
def m008_retention(db: sqlite_utils.Database) -> None:
    _script(db,
        """
        alter table responses add column anonymised_at text;
        alter table representations add column anonymised_at text;
        """
    )


@steps()
def m009_scale_indexes(db: sqlite_utils.Database) -> None:
    # Measured at a million responses (python -m bench): a period's rows come from index ranges
    # without touching the wide responses and comments rows, and answers and theme codes are stored
    # in their primary-key order (WITHOUT ROWID), so one response's or comment's rows sit together.
    _script(db,
        """
        create index responses_period on responses(contact_on, deleted_at, form, outcome, respondent, cohort, source,
                                                   age_band, household_id, safeguarding, anonymised_at);
        drop index responses_contact_on;
        create index comments_response_cover on comments(response_id, id, sentiment, consent_to_quote,
                                                         sentiment_source, human_sentiment, item_id);
        drop index comments_response;

        create table answers_by_response (
            response_id integer not null references responses(id),
            item_id text not null,
            value text not null,
            primary key (response_id, item_id)
        ) without rowid;
        insert into answers_by_response (response_id, item_id, value)
            select response_id, item_id, value from answers;
        drop table answers;
        alter table answers_by_response rename to answers;
        create index answers_item on answers(item_id);

        create table comment_themes_by_comment (
            comment_id integer not null references comments(id),
            theme_id text not null references themes(id),
            machine integer not null default 0 check (machine in (0, 1)),
            decision text check (decision in ('confirmed', 'removed', 'added')),
            sentiment real,
            reading text check (reading in ('strength', 'improvement', 'neutral')),
            negated integer not null default 0,
            codebook_version integer,
            decided_by integer references users(id),
            decided_at text,
            human_reading text check (human_reading in ('strength', 'improvement', 'neutral')),
            primary key (comment_id, theme_id)
        ) without rowid;
        insert into comment_themes_by_comment (comment_id, theme_id, machine, decision, sentiment, reading, negated,
                                               codebook_version, decided_by, decided_at, human_reading)
            select comment_id, theme_id, machine, decision, sentiment, reading, negated, codebook_version, decided_by,
                   decided_at, human_reading from comment_themes;
        drop table comment_themes;
        alter table comment_themes_by_comment rename to comment_themes;
        create index comment_themes_theme on comment_themes(theme_id);
        """
    )


@steps()
def m010_audit_programme(db: sqlite_utils.Database) -> None:
    # The quarterly case-file audit programme (framework section 5). Two roles join the CHECK on user_roles:
    # senior managers moderate audits, advanced practitioners do the eight-week review. SQLite cannot alter a
    # CHECK, so the table is rebuilt. Statements run one at a time: executescript would commit the
    # migration's transaction halfway.
    for statement in (
        """create table user_roles_new (
            user_id integer not null references users(id),
            role text not null check (role in ('bso', 'social_worker', 'manager', 'qa', 'senior_manager',
                                               'advanced_practitioner')),
            primary key (user_id, role)
        )""",
        "insert into user_roles_new (user_id, role) select user_id, role from user_roles",
        "drop table user_roles",
        "alter table user_roles_new rename to user_roles",
        """create table audit_programmes (
            id integer primary key,
            quarter text not null unique,
            seed integer not null check (seed >= 0),
            sample_size integer not null check (sample_size >= 0),
            exclusion_months integer not null check (exclusion_months >= 0),
            eligible integer not null,
            excluded integer not null,
            circulate_on text not null,
            due_on text not null check (due_on >= circulate_on),
            status text not null default 'draft' check (status in ('draft', 'circulated')),
            drawn_at text not null,
            drawn_by integer not null references users(id),
            circulated_at text,
            circulated_by integer references users(id)
        )""",
        """create table case_audits (
            id integer primary key,
            programme_id integer not null references audit_programmes(id),
            reference text not null unique collate nocase,
            household_id integer not null references households(id),
            team_id integer references teams(id),
            cohort text not null check (cohort in ('mainstream', 'kinship')),
            lead_auditor_id integer references users(id),
            peer_auditor_id integer references users(id),
            due_on text not null,
            audited_on text,
            child_spoken integer check (child_spoken in (0, 1)),
            child_not_why text,
            parent_spoken integer check (parent_spoken in (0, 1)),
            parent_not_why text,
            carer_spoken integer check (carer_spoken in (0, 1)),
            carer_not_why text,
            ssw_discussed_on text,
            ssw_discussion text,
            completed_on text,
            completed_by integer references users(id),
            moderated_on text,
            moderated_by integer references users(id),
            learning text,
            review_due_on text,
            reviewed_on text,
            reviewed_by integer references users(id),
            review_note text,
            recorded_on_file_on text,
            created_at text not null,
            updated_at text not null,
            updated_by integer references users(id),
            deleted_at text,
            deleted_by integer references users(id),
            delete_reason text,
            check (lead_auditor_id is null or peer_auditor_id is null or lead_auditor_id != peer_auditor_id),
            check (completed_on is null or audited_on <= completed_on),
            check (moderated_on is null or completed_on <= moderated_on),
            check (reviewed_on is null or moderated_on <= reviewed_on)
        )""",
        "create index case_audits_programme on case_audits(programme_id)",
        "create index case_audits_household on case_audits(household_id)",
        "create index case_audits_lead on case_audits(lead_auditor_id)",
        "create index case_audits_peer on case_audits(peer_auditor_id)",
        """create table case_audit_grades (
            audit_id integer not null references case_audits(id),
            domain text not null check (domain in ('voice', 'support', 'safer_caring', 'matching', 'approval',
                                                   'oversight', 'overall')),
            grade text check (grade in ('outstanding', 'good', 'requires_improvement', 'inadequate')),
            evidence text,
            moderated_grade text check (moderated_grade in ('outstanding', 'good', 'requires_improvement',
                                                            'inadequate')),
            moderation_reason text,
            primary key (audit_id, domain)
        ) without rowid""",
        """create table case_audit_actions (
            id integer primary key,
            audit_id integer not null references case_audits(id),
            action text not null,
            owner text not null,
            due_on text not null,
            status text not null default 'open' check (status in ('open', 'in_progress', 'done')),
            done_on text,
            review_complete integer check (review_complete in (0, 1)),
            review_evidence text,
            created_at text not null,
            created_by integer not null references users(id),
            updated_at text not null
        )""",
        "create index case_audit_actions_audit on case_audit_actions(audit_id)",
        """create table case_audit_themes (
            audit_id integer not null references case_audits(id),
            theme_id text not null references themes(id),
            reading text,
            primary key (audit_id, theme_id)
        ) without rowid""",
        """create table targeted_audits (
            id integer primary key,
            topic text not null,
            reason text not null check (reason in ('supervision', 'complaints', 'dashboard', 'other')),
            reason_detail text,
            scope text not null,
            cases_reviewed integer check (cases_reviewed >= 0),
            findings text not null,
            learning text not null,
            started_on text,
            completed_on text not null,
            author_id integer not null references users(id),
            created_at text not null,
            updated_at text not null,
            updated_by integer references users(id),
            deleted_at text,
            deleted_by integer references users(id),
            delete_reason text,
            check (started_on is null or started_on <= completed_on)
        )""",
        "create index targeted_audits_completed on targeted_audits(completed_on)",
        """create table targeted_audit_themes (
            targeted_audit_id integer not null references targeted_audits(id),
            theme_id text not null references themes(id),
            reading text,
            primary key (targeted_audit_id, theme_id)
        ) without rowid""",
    ):
        db.execute(statement)


@steps()
def m011_kpis(db: sqlite_utils.Database) -> None:
    # "How much are we doing": measure definitions versioned like the codebook, and monthly figures that a
    # re-import or correction supersedes (superseded_by) instead of deleting, so every month keeps its history.
    _script(db,
        """
        create table kpi_measures (
            id text primary key,
            name text not null,
            description text not null default '',
            aliases text not null default '[]',
            green_from integer not null check (green_from between 0 and 100),
            amber_from integer not null check (amber_from between 0 and 100 and amber_from <= green_from),
            position integer not null,
            status text not null default 'active' check (status in ('active', 'retired')),
            updated_at text not null
        );
        create table kpi_measure_versions (
            version integer primary key,
            content text not null,
            note text,
            created_at text not null,
            created_by integer references users(id)
        );
        create table figure_batches (
            id integer primary key,
            kind text not null check (kind in ('kpi', 'recruitment')),
            how text not null check (how in ('import', 'manual')),
            months text not null,
            rows integer not null,
            households integer,
            file_name text,
            created_at text not null,
            created_by integer not null references users(id)
        );
        create table kpi_figures (
            id integer primary key,
            month text not null,
            team_id integer not null references teams(id),
            measure_id text not null references kpi_measures(id),
            in_time integer not null check (in_time >= 0),
            out_of_time integer not null check (out_of_time >= 0),
            batch_id integer not null references figure_batches(id),
            superseded_by integer references figure_batches(id)
        );
        create unique index kpi_figures_current on kpi_figures(month, team_id, measure_id) where superseded_by is null;
        create index kpi_figures_month on kpi_figures(month, superseded_by);
        create table recruitment_figures (
            id integer primary key,
            month text not null,
            team_id integer references teams(id),
            measure text not null,
            number integer not null check (number >= 0),
            batch_id integer not null references figure_batches(id),
            superseded_by integer references figure_batches(id)
        );
        create unique index recruitment_figures_current on recruitment_figures(month, coalesce(team_id, 0), measure)
            where superseded_by is null;
        create index recruitment_figures_month on recruitment_figures(month, superseded_by);
        """
    )


@steps()
def m012_history(db: sqlite_utils.Database) -> None:
    """History becomes history, so that "audit" means a case-file audit only."""
    _script(db, """
        alter table audit_log rename to history;
        drop index audit_log_entity;
        drop index audit_log_at;
        create index history_entity on history(entity, entity_id);
        create index history_at on history(at);
        """)


@steps()
def m013_coded_versions(db: sqlite_utils.Database) -> None:
    """Every coded text records the codebook version it was coded with, so re-coding covers them all."""
    _script(db, """
        alter table representations add column coded_version integer;
        alter table case_audits add column coded_version integer;
        alter table targeted_audits add column coded_version integer;
        """)


@steps()
def m014_sign_in_throttle(db: sqlite_utils.Database) -> None:
    """Failed sign-ins counted per user name and device, per device and per user name, so a stranger's
    guesses slow themselves down without locking the real person out. Keys are hashes: a name typed into
    the user-name box (perhaps a password) is never stored."""
    _script(db, """
        create table sign_in_throttle (
            key text primary key,
            account text not null,
            failures integer not null default 0,
            blocks integer not null default 0,
            blocked_until text,
            updated_at text not null
        );
        create index sign_in_throttle_account on sign_in_throttle(account);
        """)


@steps()
def m015_reads(db: sqlite_utils.Database) -> None:
    """Who looked at what sensitive (a child's entry, the safeguarding list, the comments behind a theme): kept
    apart from history so that reading never changes the data's version (caches keyed on it stay warm)."""
    _script(db, """
        create table reads (
            id integer primary key,
            at text not null,
            user_id integer references users(id),
            username text not null,
            what text not null,
            entity text,
            entity_id text,
            detail text
        );
        create index reads_at on reads(at);
        create index reads_entity on reads(entity, entity_id);
        """)


@steps()
def m016_unsaved(db: sqlite_utils.Database) -> None:
    """Unsaved drafts (store/unsaved.py): what a person has typed into a form and not saved yet, per person
    and form, so a page change, a reload or the idle timeout loses nothing."""
    _script(db, """
        create table unsaved (
            id text primary key,
            user_id integer not null references users(id),
            form text not null,
            page text not null,
            label text not null,
            fields text not null,
            opened text,
            safeguarding integer not null default 0,
            created_at text not null,
            updated_at text not null
        );
        create index unsaved_user on unsaved(user_id, form, updated_at);
        create index unsaved_updated on unsaved(updated_at);
        """)


@steps()
def m017_report_sign_off(db: sqlite_utils.Database) -> None:
    """Sign-off and withdrawal of the feedback report (issue 15): the Registered Manager's role joins the CHECK
    on user_roles (rebuilt, as in m010); QA's requests for approval, each with the report value asked about and
    its fingerprint; and on each published version its status (live, withdrawn or superseded, with who, when
    and why), who approved it and when, and the comments it quotes (so a quote that loses its consent, or whose
    entry is flagged or deleted, can be found in a live version)."""
    for statement in (
        """create table user_roles_new (
            user_id integer not null references users(id),
            role text not null check (role in ('bso', 'social_worker', 'manager', 'qa', 'senior_manager',
                                               'advanced_practitioner', 'registered_manager')),
            primary key (user_id, role)
        )""",
        "insert into user_roles_new (user_id, role) select user_id, role from user_roles",
        "drop table user_roles",
        "alter table user_roles_new rename to user_roles",
        """create table report_approvals (
            id integer primary key,
            period_key text not null,
            fingerprint text not null,
            value text not null,
            status text not null default 'pending'
                check (status in ('pending', 'approved', 'declined', 'replaced', 'published')),
            asked_at text not null,
            asked_by integer not null references users(id),
            decided_at text,
            decided_by integer references users(id),
            decline_reason text,
            version integer
        )""",
        "create index report_approvals_period on report_approvals(period_key, status)",
        """alter table report_versions add column status text not null default 'live'
            check (status in ('live', 'withdrawn', 'superseded'))""",
        "alter table report_versions add column status_at text",
        "alter table report_versions add column status_by integer references users(id)",
        "alter table report_versions add column status_reason text",
        "alter table report_versions add column approval_id integer references report_approvals(id)",
        "alter table report_versions add column approved_at text",
        "alter table report_versions add column approved_by integer references users(id)",
        "alter table report_versions add column quoted_comment_ids text not null default '[]'",
    ):
        db.execute(statement)
    # Versions published before this: all but the newest of a period were replaced by the next one, and the
    # comments each quotes are the draft's quotes whose words it printed (the draft held their comment ids).
    rows = db.execute("select id, period_key, version, value, created_at, created_by from report_versions "
                      "order by period_key, version").fetchall()
    drafts = {key: json.loads(quotes or "{}") for key, quotes in db.execute("select period_key, quotes from report_drafts")}
    for index, (row_id, period_key, version, value, _at, _by) in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) and rows[index + 1][1] == period_key else None
        printed = {(section.get("key"), quote.get("text")) for section in json.loads(value).get("sections", [])
                   for quote in section.get("quotes", [])}
        quoted = sorted({int(q["comment_id"]) for key, chosen in drafts.get(period_key, {}).items() for q in chosen
                         if (key, q.get("text")) in printed})
        db.execute("update report_versions set quoted_comment_ids = :q where id = :id",
                   {"q": json.dumps(quoted), "id": row_id})
        if following:
            db.execute("""update report_versions set status = 'superseded', status_at = :at, status_by = :by,
                          status_reason = :why where id = :id""",
                       {"at": following[4], "by": following[5], "id": row_id,
                        "why": f"Superseded by version {following[2]}."})


# The responses table as m002 made it (with m008's anonymised_at), with the placing authorities' form added to its
# CHECKs (m018). Kept in one place so the rebuild below copies every column by name.
_RESPONSE_COLUMNS = (
    "id", "form", "source", "respondent", "household_id", "cohort", "contact_on", "method", "outcome", "relationship",
    "parent_reference", "child_reference", "age_band", "helped_by", "audit_reference", "title", "bank_version",
    "callback_requested", "safeguarding", "copied_to_record_on", "author_id", "created_at", "updated_at",
    "updated_by", "deleted_at", "deleted_by", "delete_reason", "submission_key", "anonymised_at",
)


@steps()
def m018_placing_authority_feedback(db: sqlite_utils.Database) -> None:
    """Placing authorities' feedback (the child's social worker and the IRO, for the Regulation 35 review): a form,
    a source, a respondent and two contact methods join the CHECKs on responses, with the professional's role and
    the authority's name as new columns.

    SQLite cannot alter a CHECK, so the table is rebuilt. answers, comments and follow-ups refer to it, and with
    foreign keys on (connect() sets them, and a pragma cannot change them inside the migration's transaction) the
    drop would refuse while they do: the checks are deferred to the commit, the rows wait in a temporary copy, and
    putting them back into the new table satisfies every reference again before the commit checks them.
    """
    columns = ", ".join(_RESPONSE_COLUMNS)
    for statement in (
        "PRAGMA defer_foreign_keys = ON",
        f"create temp table responses_m018 as select {columns} from responses",
        "drop table responses",
        """create table responses (
            id integer primary key,
            form text not null check (form in ('carer', 'parent', 'child', 'audit', 'direct_work',
                                               'placing_authority')),
            source text not null check (source in ('bso_call', 'annual_review', 'case_audit', 'direct_work',
                                                   'placing_authority_survey')),
            respondent text not null check (respondent in ('carer', 'birth_parent', 'child', 'placing_authority')),
            household_id integer references households(id),
            cohort text check (cohort in ('mainstream', 'kinship')),
            contact_on text not null,
            method text check (method in ('phone', 'email', 'visit', 'text', 'survey', 'meeting')),
            outcome text not null default 'completed'
                check (outcome in ('completed', 'no_answer', 'declined', 'wrong_number')),
            relationship text check (relationship in ('mother', 'father', 'other')),
            parent_reference text,
            child_reference text,
            age_band text check (age_band in ('under_8', '8_11', '12_plus')),
            helped_by text check (helped_by in ('alone', 'social_worker', 'carer', 'advocate')),
            audit_reference text,
            title text,
            bank_version text not null references question_banks(version),
            callback_requested integer not null default 0 check (callback_requested in (0, 1)),
            safeguarding integer not null default 0 check (safeguarding in (0, 1)),
            copied_to_record_on text,
            author_id integer not null references users(id),
            created_at text not null,
            updated_at text not null,
            updated_by integer references users(id),
            deleted_at text,
            deleted_by integer references users(id),
            delete_reason text,
            submission_key text unique,
            anonymised_at text,
            professional_role text check (professional_role in ('social_worker', 'iro', 'other')),
            placing_authority text,
            check ((form = 'placing_authority') = (professional_role is not null))
        )""",
        f"insert into responses ({columns}) select {columns} from temp.responses_m018 order by id",
        "drop table temp.responses_m018",
        "create index responses_form_date on responses(form, contact_on)",
        "create index responses_author_date on responses(author_id, contact_on)",
        "create index responses_household on responses(household_id)",
        """create index responses_period on responses(contact_on, deleted_at, form, outcome, respondent, cohort, source,
                                                     age_band, household_id, safeguarding, anonymised_at)""",
    ):
        db.execute(statement)


@steps()
def m019_report_findings(db: sqlite_utils.Database) -> None:
    """QA's choices about the report's key findings per period: {finding key: {"drop": true} or {"text": words}}."""
    db.execute("alter table report_drafts add column findings text not null default '{}'")
