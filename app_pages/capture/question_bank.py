import streamlit as st

from lib.capture import questions
from lib.ui import session, widgets

db = session.connection()
user = session.page_user("view_question_bank")
bank = questions.current(db)
st.title("Question bank")
st.caption(f"Version {bank.version}, from data/question_bank.toml. Forms are drawn from it. Changing a question "
           "is a reviewed change to that file with a new version; answers saved earlier keep the wording and "
           "scale of the version they were given with.")
widgets.table(questions.versions(db), columns={"version": "Version", "installed_at": "First used (UTC)",
                                          "responses": "Responses"})
chosen = st.selectbox("Form", list(bank.forms), format_func=lambda f: bank.forms[f].title)
for section in bank.forms[chosen].sections:
    who = f" · {questions.ALL_RESPONDENTS[section.respondent]}" if section.respondent else ""
    st.subheader(section.title + who)
    widgets.table([{"Id": item.id, "Question": item.text, "Scale": item.scale.label,
               "Answers": " / ".join(o.label for o in item.scale.options) or "free text",
               "Required": "yes" if item.required else ""} for item in section.items])
