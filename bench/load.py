"""`python -m bench.load [--sessions 50] [--minutes 3] [--port N]`: many people using the app at once.

Starts its own Streamlit server on 127.0.0.1 against a fresh temporary demo database (never
data/feedback.db), holds N concurrent Streamlit sessions for a bounded time, then stops the server
(its own process group only). Every session signs in and works like a person, with a pause
between actions:

- BSOs record carer and birth-parent feedback through the form (pick a household, answer, save)
  and open My month;
- managers open Themes and read the comments behind a theme, open Entries and one entry;
- QA opens the Feedback report preview and switches its period.

Two kinds of client hold the sessions (`--browsers K` of the N are the first kind):

- headless Chromium pages (Debian's chromium, Playwright's async API, one browser context per
  session): the real frontend. Latency is measured on the page's own clock, from the click or key
  press to Streamlit's script state returning to notRunning, then the expected content is checked.
- websocket clients that speak Streamlit's own protocol (the BackMsg/ForwardMsg protobufs the
  frontend sends and receives on /_stcore/stream): the same script runs, widget values, form
  submits, page changes and idle-timer fragment reruns, without rendering. Latency is from sending
  the message to the run's script_finished, then the expected content is checked in the elements.

On a 2-core machine 50 Chromium pages spend most of the CPU rendering (the server gets a small
share and page loads time out), so by default 3 sessions (one per role) are real pages and the
rest are websocket clients: the server sees N sessions, and the pages show what a person sees
while it carries them. `--browsers N` runs them all in Chromium.

Errors: exception boxes, refusals (an error alert where a save or sign-in should succeed),
timeouts, missing content, tracebacks in the server log, and any acknowledged save missing from
the database. After the run the responses written must equal the saves the clients saw
acknowledged, and PRAGMA integrity_check must be ok. Prints a table; exits 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_SESSIONS = 200
MAX_MINUTES = 30.0
DEFAULT_BROWSERS = 3
PAGES_PER_BROWSER = 25
# The flags this machine needs (as in tests/test_browser.py), plus no throttling of pages nobody looks at.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                 "--disable-backgrounding-occluded-windows"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"
ERROR_ALERT = "[data-testid='stAlertContentError']"
SAVED = re.compile(r"as entry #(\d+)")
# Seven BSOs, two managers and one QA officer in every ten sessions (one of each among the first three).
ROLE_CYCLE = ("bso", "manager", "qa", "bso", "bso", "bso", "manager", "bso", "bso", "bso")
# What each role does, as groups of actions that follow on from each other (a group starts on its page).
ACTIONS = {
    "bso": (("open carer form", "pick household (carer)", "save carer feedback"), ("open My month",),
            ("open parent form", "pick household (parent)", "save parent feedback"), ("open My month",)),
    "manager": (("open Themes", "Themes: read comments"), ("open Entries", "Entries: open one")),
    "qa": (("open report preview", "report: change period"),),
}
ORDER = ("open app", "sign in",
         *dict.fromkeys(a for role in ("bso", "manager", "qa") for group in ACTIONS[role] for a in group),
         "idle-timer rerun")
CLIENTS = ("websocket", "chromium")

# Runs in every page before Streamlit's own scripts: remembers the time of the last click or key press,
# of every change of Streamlit's script state and of every message from the server, so latency is
# measured on the page's own clock. (A busy page can render "running" and "notRunning" in one go, so
# the script state never shows "running"; then the last message from the server marks the end.)
PAGE_CLOCK = """
(() => {
  const clock = window.__loadClock = {input: 0, runs: 0, idleAt: 0, messages: 0, messageAt: 0};
  for (const type of ["pointerdown", "keydown"]) {
    addEventListener(type, () => { clock.input = performance.now(); clock.runs = 0; clock.messages = 0; }, true);
  }
  new MutationObserver(records => {
    for (const record of records) {
      const state = record.target.getAttribute("data-test-script-state");
      if (state === "running") clock.runs += 1;
      else if (state === "notRunning") clock.idleAt = performance.now();
    }
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ["data-test-script-state"]});
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => { clock.messages += 1; clock.messageAt = performance.now(); });
    }
  };
})();
"""
RAN_AND_IDLE = f"""() => {{
  const clock = window.__loadClock;
  const idle = document.querySelector("{IDLE}") !== null;
  return idle && (clock.runs > 0 || (clock.messages > 0 && performance.now() - clock.messageAt > 300));
}}"""
LATENCY = """() => {
  const clock = window.__loadClock;
  return (clock.runs > 0 ? clock.idleAt : Math.max(clock.idleAt, clock.messageAt)) - clock.input;
}"""
# What a person sees when the entry they picked does not open because the list had changed under them.
DROPPED = ("choice dropped: entries were saved since the page was drawn, so the unkeyed 'Open entry' selectbox "
           "(app_pages/entries.py) came back with new options, hence a new widget ID, and the pick was discarded")


class ActionError(Exception):
    """An action that did not end as a person would expect: exception box, refusal, missing content."""


class Lost(Exception):
    """The page is not where the person left it (signed out, or a page or widget missing): start again."""


# ---- The server and the machine ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_database(folder: Path) -> Path:
    """A fresh demo database in our own temporary folder, with every demo staff account able to sign in."""
    database = folder / "load.db"
    env = {**os.environ, "FEEDBACK_DB": str(database)}
    subprocess.run([sys.executable, "-m", "lib.demo", "--db", str(database)], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)
    connection = sqlite3.connect(database)
    with connection:
        # Only the first account of each role has the demo password; give the other fictional staff the same
        # hash so the BSO sessions are different people (each with their own My month), as they would be.
        connection.execute("update users set password_hash = (select password_hash from users where username = 'bso')"
                           " where password_hash is null and active = 1")
    connection.close()
    return database


def query(database: Path, sql: str, *params) -> list[tuple]:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


class Server:
    """`streamlit run` on loopback in its own process group, logging to a file."""

    def __init__(self, database: Path, port: int, log_path: Path):
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, "FEEDBACK_DB": str(database)}, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2).read() == b"ok":
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Streamlit server did not start:\n" + self.log_path.read_text()[-2000:])
            time.sleep(0.3)

    def peak_rss(self) -> int:
        """The server process's peak resident memory in bytes (VmHWM), while it is still running."""
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0

    def cpu_seconds(self) -> float:
        return process_cpu(self.process.pid)

    def established(self) -> int:
        """Established TCP connections to the server's port (each open session holds one websocket)."""
        count = 0
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError):
                for line in Path(table).read_text().splitlines()[1:]:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == self.port and fields[3] == "01":
                        count += 1
        return count

    def stop(self) -> None:
        """Stop the server's own process group (nothing else), then close the log."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.close()


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values[:8]) - values[3] - values[4]) / tick, sum(values[:8]) / tick


def descendants(pid: int) -> set[int]:
    """Every process below pid (the Playwright driver and the Chromium processes it starts)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def server_log_errors(text: str) -> list[str]:
    """One line per error in the server log: the last line of each traceback, and other ERROR lines."""
    errors = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            errors.append(next((lines[j].strip() for j in range(index + 1, len(lines))
                                if lines[j] and not lines[j].startswith((" ", "\t"))), "traceback"))
        elif re.search(r"\bERROR\b|\bCRITICAL\b", line):
            errors.append(line.strip())
    return errors


# ---- Measurements -----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Results:
    latencies: dict[tuple[str, str], list[float]] = dataclasses.field(default_factory=dict)
    errors: dict[tuple[str, str], list[str]] = dataclasses.field(default_factory=dict)
    saves: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)  # (entry id, form, username)
    signed_in: int = 0
    everyone_in_at: float = 0.0  # when the last session had signed in (monotonic clock)
    started: float = 0.0
    verbose: bool = False

    def timed(self, client: str, action: str, milliseconds: float, who: str) -> None:
        self.latencies.setdefault((client, action), []).append(milliseconds)
        self.say(f"{who:<32}{action:<26}{milliseconds:>8.0f} ms")

    def failed(self, client: str, action: str, what: str, who: str) -> None:
        self.errors.setdefault((client, action), []).append(what)
        self.say(f"{who:<32}{action:<26} ERROR {what}")

    def say(self, line: str) -> None:
        if self.verbose:
            print(f"{time.monotonic() - self.started:8.1f} s  {line}", file=sys.stderr, flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    if "Timeout" in name or "Timeout" in text[:40]:
        return "timeout: " + (text[:160] or name)
    return f"{name}: {text[:200]}"


def comment(rng: random.Random, pool: tuple[str, ...]) -> str:
    return rng.choice(pool).format(staff="Alder Quince")


# ---- One person ---------------------------------------------------------------------------------------------


class Person:
    """One signed-in person in one Streamlit session: sign in, then work through their role's actions."""

    client = ""

    def __init__(self, index: int, role: str, username: str, base: str, results: Results, rng: random.Random,
                 households: list[str], think: tuple[float, float], timeout: float):
        self.index, self.role, self.username, self.base = index, role, username, base
        self.results, self.rng, self.households, self.think, self.timeout = results, rng, households, think, timeout
        self.who = f"{self.client} {index:>3} {username}"

    def timed(self, action: str, milliseconds: float) -> None:
        self.results.timed(self.client, action, milliseconds, self.who)

    def saved(self, text: str, form: str) -> None:
        self.results.saves.append((int(SAVED.search(text).group(1)), form, self.username))

    async def sign_in(self) -> None:
        raise NotImplementedError

    async def do(self, action: str) -> None:
        raise NotImplementedError

    async def pause(self, deadline: float) -> None:
        await asyncio.sleep(max(0.0, min(self.rng.uniform(*self.think), deadline - time.monotonic())))

    async def run(self, start_at: float, deadline: float, total: int) -> None:
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        while True:
            try:
                await self.sign_in()
                break
            except Exception as exc:  # noqa: BLE001 - counted; a person would try again
                self.results.failed(self.client, "sign in", describe(exc), self.who)
                if time.monotonic() > deadline:
                    return
                await asyncio.sleep(1)
        self.results.signed_in += 1
        if self.results.signed_in == total:
            self.results.everyone_in_at = time.monotonic()
        groups = ACTIONS[self.role]
        group, position = self.rng.randrange(len(groups)), 0
        while time.monotonic() < deadline:
            await self.pause(deadline)
            if time.monotonic() >= deadline:
                break
            action = groups[group][position]
            try:
                await self.do(action)
                position += 1
            except Exception as exc:  # noqa: BLE001 - every failure is counted, then the person carries on
                self.results.failed(self.client, action, describe(exc), self.who)
                position = len(groups[group])  # on to the next group, which starts on its own page
                if not isinstance(exc, ActionError):  # a timeout or lost connection: reload and sign in again
                    try:
                        await self.sign_in()
                    except Exception as again:  # noqa: BLE001 - counted; the next action tries again
                        self.results.failed(self.client, "sign in", describe(again), self.who)
            if position == len(groups[group]):
                group, position = (group + 1) % len(groups), 0


# ---- ... in a real Chromium page ------------------------------------------------------------------------------


class BrowserPerson(Person):
    client = "chromium"

    async def open(self, browser) -> None:
        self.context = await browser.new_context(viewport={"width": 1280, "height": 1000})
        await self.context.add_init_script(PAGE_CLOCK)
        self.page = await self.context.new_page()
        self.page.set_default_timeout(self.timeout * 1000)
        self.streams = 0
        self.page.on("websocket", self._watch)

    def _watch(self, websocket) -> None:
        if "/_stcore/stream" in websocket.url:
            self.streams += 1

            def closed(_=None):
                self.streams -= 1

            websocket.on("close", closed)

    @property
    def connected(self) -> bool:
        return self.streams > 0

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.context.close()

    async def settle(self, action: str, expect, refusal=None, dropped=None) -> None:
        """After an input: wait for a script run to finish and the expected content, record the latency.

        An exception box anywhere, or the `refusal` locator (an error the action itself may show), fails it;
        so does `dropped()` (an async check that the input was lost) once the run has finished without `expect`.
        """
        page = self.page
        await page.wait_for_function(RAN_AND_IDLE, polling=50)
        if dropped is not None:
            await page.wait_for_selector(IDLE)
            if not await expect.count() and await dropped():
                raise ActionError(DROPPED)
        ending = expect.or_(page.locator(EXCEPTION))
        await (ending.or_(refusal) if refusal is not None else ending).first.wait_for()
        await page.wait_for_selector(IDLE)
        for kind, locator in (("exception", page.locator(EXCEPTION)), ("refused", refusal)):
            if locator is not None and await locator.count():
                raise ActionError(f"{kind}: " + " ".join((await locator.first.inner_text()).split())[:200])
        self.timed(action, await page.evaluate(LATENCY))

    @staticmethod
    async def _empty(box) -> bool:
        return not await box.count() or await box.first.input_value() == ""

    async def nav(self, title: str, action: str, expect) -> None:
        await self.page.get_by_role("link", name=title, exact=True).first.click()
        await self.settle(action, expect)

    async def sign_in(self) -> None:
        page = self.page
        await page.goto(self.base)  # a new page load is a new session, signed out
        await page.get_by_role("button", name="Sign in", exact=True).wait_for()
        await page.wait_for_selector(IDLE)
        self.timed("open app", await page.evaluate(LATENCY))  # from the start of the page load
        await page.get_by_role("textbox", name="User name").fill(self.username)
        await page.get_by_role("textbox", name="Password").fill("demo")
        await page.get_by_role("button", name="Sign in", exact=True).click()
        await self.settle("sign in", page.get_by_text("Signed in as"),
                          refusal=page.locator(ERROR_ALERT).filter(has_text=re.compile("password|locked|deactivated")))

    async def choose(self, question: str, answer: str) -> None:
        group = self.page.locator("[data-testid='stRadio']").filter(has_text=question)
        await group.get_by_text(answer, exact=True).click()

    async def do(self, action: str) -> None:
        page, rng = self.page, self.rng
        if action in ("open carer form", "open parent form"):
            title = "Carer feedback" if action == "open carer form" else "Birth-parent feedback"
            await self.nav(title, action, page.get_by_role("heading", name=title))
        elif action.startswith("pick household"):
            reference = rng.choice(self.households)
            await page.get_by_role("combobox", name="Carer household").click()
            await page.keyboard.type(reference)
            await page.get_by_role("option").filter(has_text=reference).first.click()
            placement = page.locator("[data-testid='stRadio']").filter(has_text="Placement type")
            await self.settle(action, placement.locator("input:checked"))
        elif action.startswith("save"):
            from lib.demo import feedback as pools

            form = "carer" if "carer" in action else "parent"
            rating = rng.choice(["Excellent", "Good", "Adequate", "Poor"])
            if form == "carer":
                await self.choose("Overall, how would you rate the support", rating)
                await self.choose("easy to reach and gets back to you", rng.choice(["Strongly agree", "Agree", "Disagree"]))
                await self.choose("Would you recommend fostering with us", rng.choice(["Yes", "Yes", "No", "Not sure"]))
                good, bad = pools.CARER_GOOD, pools.CARER_BAD
                labels = ("What is working well for you and the children?", "What could we do better?")
            else:
                await self.choose("Relationship to the child", rng.choice(["Mother", "Father"]))
                await self.choose("Overall, how do you feel about the care", rating)
                good, bad = pools.PARENT_GOOD, pools.PARENT_BAD
                labels = ("What is going well for your child?", "What could be better for your child or for you?")
            await page.get_by_role("textbox", name=labels[0]).fill(comment(rng, good))
            if rng.random() < 0.6:
                await page.get_by_role("textbox", name=labels[1]).fill(comment(rng, bad))
            await page.get_by_role("button", name="Save", exact=True).click()
            saved = page.get_by_text(SAVED)
            await self.settle(action, saved, refusal=page.locator(ERROR_ALERT))
            self.saved(await saved.first.inner_text(), form)
        elif action == "open My month":
            await self.nav("My month", action, page.get_by_role("heading", name=re.compile("^My month")))
        elif action == "open Themes":
            await self.nav("Themes", action, page.get_by_role("heading", name="Strengths and areas for improvement"))
        elif action == "Themes: read comments":  # click a bar of the chart
            bars = page.locator("[data-testid='stVegaLiteChart']").first.locator("g.mark-rect path")
            await bars.first.wait_for()
            await bars.nth(rng.randrange(min(await bars.count(), 12))).click()
            await self.settle(action, page.get_by_text("newest first"))
        elif action == "open Entries":
            await self.nav("Entries", action, page.locator("[data-testid='stDataFrame']"))
        elif action == "Entries: open one":
            await page.get_by_role("combobox", name="Open entry").click()
            await page.keyboard.type(str(rng.randint(1, 9)))  # the list opens on typing part of a number
            options = page.get_by_role("option", selected=False)
            await options.first.wait_for()
            await options.nth(rng.randrange(min(await options.count(), 20))).click()
            picker = page.get_by_role("combobox", name="Open entry")
            await self.settle(action, page.locator("[data-testid='stExpander']").filter(has_text="History"),
                              dropped=lambda: self._empty(picker))
        elif action == "open report preview":
            await self.nav("Feedback report", action, page.get_by_text("Report built from the live data."))
        elif action == "report: change period":
            await page.get_by_role("combobox", name="Quarter").click()
            others = page.get_by_role("option", selected=False)  # the chosen quarter again would not rerun
            await others.first.wait_for()
            await others.nth(rng.randrange(min(await others.count(), 3))).click()
            await self.settle(action, page.get_by_text("Report built from the live data."))
        else:  # pragma: no cover - a typo in ACTIONS
            raise ValueError(action)


# ---- ... as a websocket client speaking Streamlit's protocol ---------------------------------------------------


class Screen:
    """What one script run sent: widgets by label, texts, expander labels, element kinds, exceptions."""

    def __init__(self) -> None:
        self.widgets: dict[str, tuple[str, object]] = {}
        self.texts: list[str] = []
        self.blocks: list[str] = []
        self.kinds: set[str] = set()
        self.exceptions: list[str] = []
        self.error_alerts: list[str] = []

    def add(self, delta) -> None:
        kind = delta.WhichOneof("type")
        if kind == "add_block":
            block = delta.add_block
            if block.WhichOneof("type") == "expandable":
                self.blocks.append(block.expandable.label)
            return
        if kind != "new_element":
            return
        element = delta.new_element
        what = element.WhichOneof("type")
        self.kinds.add(what)
        inner = getattr(element, what)
        if what == "exception":
            self.exceptions.append(f"{inner.type}: {inner.message}")
        elif what in ("markdown", "heading", "text", "alert"):
            self.texts.append(inner.body)
            if what == "alert" and inner.format == inner.ERROR:
                self.error_alerts.append(inner.body)
        if getattr(inner, "id", "") and getattr(inner, "label", ""):
            self.widgets.setdefault(inner.label, (what, inner))

    def widget(self, label: str | re.Pattern):
        for name, (_, inner) in self.widgets.items():
            if (label.search(name) if isinstance(label, re.Pattern) else name == label):
                return inner
        raise Lost(f"no widget labelled {label!r} on the page")

    def text(self, pattern: str | re.Pattern) -> str | None:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        return next((t for t in self.texts if regex.search(t)), None)


class SocketPerson(Person):
    client = "websocket"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.socket = None
        self.screen = Screen()
        self.page_hash = ""
        self.pages: dict[str, str] = {}
        self.values: dict[str, object] = {}  # widget id -> WidgetState set on this page
        self.fragments: dict[str, float] = {}  # fragment id -> seconds between the browser's automatic reruns
        self.fragment_due = 0.0

    @property
    def connected(self) -> bool:
        return self.socket is not None and self.socket.state.name == "OPEN"

    async def close(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close()
            self.socket = None

    async def connect(self) -> None:
        import websockets

        await self.close()
        url = self.base.replace("http://", "ws://") + "/_stcore/stream"
        self.socket = await asyncio.wait_for(websockets.connect(
            # No keepalive pings of our own: the browser sends none either (the server pings, and we answer).
            url, subprotocols=["streamlit"], origin=self.base, max_size=None, open_timeout=self.timeout,
            ping_interval=None),
            self.timeout)
        self.screen, self.page_hash, self.pages, self.values, self.fragments = Screen(), "", {}, {}, {}

    @staticmethod
    def state(widget_id: str, **value):
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        state = WidgetState(id=widget_id)
        for field, content in value.items():
            setattr(state, field, content)
        return state

    async def rerun(self, *, widgets=(), page: str | None = None, fragment: str = "") -> float:
        """Send a rerun as the frontend would and read until its run finishes; returns milliseconds."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = BackMsg()
        rerun = message.rerun_script
        rerun.page_script_hash = self.page_hash if page is None else page
        rerun.fragment_id = fragment
        rerun.is_auto_rerun = bool(fragment)
        rerun.widget_states.widgets.extend([*self.values.values(), *widgets])
        started = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        screen = Screen()
        deadline = time.monotonic() + self.timeout
        while True:
            incoming = ForwardMsg()
            incoming.ParseFromString(await asyncio.wait_for(self.socket.recv(), max(0.1, deadline - time.monotonic())))
            kind = incoming.WhichOneof("type")
            if kind == "new_session":
                screen = Screen()
            elif kind == "navigation":
                self.page_hash = incoming.navigation.page_script_hash
                self.pages = {p.page_name: p.page_script_hash for p in incoming.navigation.app_pages}
            elif kind == "delta":
                screen.add(incoming.delta)
            elif kind == "auto_rerun":
                self.fragments[incoming.auto_rerun.fragment_id] = incoming.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                self.fragments.clear()
            elif kind == "script_finished":
                status = incoming.script_finished
                if status == incoming.FINISHED_EARLY_FOR_RERUN:
                    continue  # st.rerun(): the page carries on with the next run, as the browser's does
                if fragment and status != incoming.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                    continue
                if not fragment and status == incoming.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                    continue
                break
        milliseconds = (time.perf_counter() - started) * 1000
        if not fragment:  # a fragment run redraws only its own part of the page
            self.screen = screen
        if screen.exceptions:
            raise ActionError("exception: " + screen.exceptions[0][:200])
        return milliseconds

    async def act(self, action: str, expect, *, widgets=(), page: str | None = None, refusal: str | None = None) -> None:
        """Rerun, then check for the refusal (an error alert matching that pattern) and the expected content."""
        milliseconds = await self.rerun(widgets=widgets, page=page)
        refused = [a for a in self.screen.error_alerts if refusal is not None and re.search(refusal, a)]
        if refused:
            raise ActionError("refused: " + refused[0][:200])
        if not expect(self.screen):
            shown = [t[:60] for t in self.screen.texts[-4:]] + [f"[{b[:40]}]" for b in self.screen.blocks[-2:]]
            raise ActionError("the expected content did not appear; the page ended with: " + " | ".join(shown))
        self.timed(action, milliseconds)

    async def nav(self, title: str, action: str, expect) -> None:
        if title not in self.pages:
            raise Lost(f"no page called {title!r} in the navigation")
        self.values = {}
        await self.act(action, expect, page=self.pages[title])

    async def choose(self, label, answer: str | None = None, *, index: int | None = None) -> str:
        """Set a radio or selectbox (its value is the option's label); returns the label chosen."""
        widget = self.screen.widget(label)
        option = answer if answer is not None else widget.options[index]
        if option not in widget.options:
            raise ActionError(f"{option!r} is not an option of {widget.label!r}")
        self.values[widget.id] = self.state(widget.id, string_value=option)
        return option

    async def sign_in(self) -> None:
        await self.connect()
        await self.act("open app", lambda s: "User name" in s.widgets, page="")
        screen = self.screen
        await self.act("sign in", lambda s: s.text("^Signed in as"), refusal="password|locked|deactivated", widgets=[
            self.state(screen.widget("User name").id, string_value=self.username),
            self.state(screen.widget("Password").id, string_value="demo"),
            self.state(screen.widget("Sign in").id, trigger_value=True)])
        self.fragment_due = time.monotonic()

    async def pause(self, deadline: float) -> None:
        """Think, while doing what the open tab does on its own: rerun the idle-timer fragment on its timer."""
        until = min(time.monotonic() + self.rng.uniform(*self.think), deadline)
        while True:
            interval = min(self.fragments.values(), default=0.0)
            due = self.fragment_due + interval if interval else math.inf
            if due >= until:
                await asyncio.sleep(max(0.0, until - time.monotonic()))
                return
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            self.fragment_due = time.monotonic()
            fragment = min(self.fragments, key=self.fragments.get)
            try:
                self.timed("idle-timer rerun", await self.rerun(fragment=fragment))
            except Exception as exc:  # noqa: BLE001 - counted like any other action
                self.results.failed(self.client, "idle-timer rerun", describe(exc), self.who)
                try:
                    await self.sign_in()
                except Exception as again:  # noqa: BLE001
                    self.results.failed(self.client, "sign in", describe(again), self.who)

    async def do(self, action: str) -> None:
        rng = self.rng
        if action in ("open carer form", "open parent form"):
            title = "Carer feedback" if action == "open carer form" else "Birth-parent feedback"
            await self.nav(title, action, lambda s: s.text(f"^{title}$") and "Carer household" in s.widgets)
        elif action.startswith("pick household"):
            reference = rng.choice(self.households)
            widget = self.screen.widget("Carer household")
            option = next((o for o in widget.options if o.endswith(f"· {reference}")), None)
            if option is None:
                raise ActionError(f"household {reference} is not offered")
            self.values[widget.id] = self.state(widget.id, string_value=option)
            await self.act(action, lambda s: s.widget("Placement type").HasField("default"))
        elif action.startswith("save"):
            from lib.demo import feedback as pools

            form = "carer" if "carer" in action else "parent"
            rating = rng.choice(["Excellent", "Good", "Adequate", "Poor"])
            fields = []
            if form == "carer":
                await self.choose(re.compile("^Overall, how would you rate the support"), rating)
                await self.choose(re.compile("easy to reach and gets back to you"),
                                  rng.choice(["Strongly agree", "Agree", "Disagree"]))
                await self.choose(re.compile("^Would you recommend fostering with us"),
                                  rng.choice(["Yes", "Yes", "No", "Not sure"]))
                good, bad = pools.CARER_GOOD, pools.CARER_BAD
                labels = ("What is working well for you and the children?", "What could we do better?")
            else:
                await self.choose("Relationship to the child", rng.choice(["Mother", "Father"]))
                await self.choose(re.compile("^Overall, how do you feel about the care"), rating)
                good, bad = pools.PARENT_GOOD, pools.PARENT_BAD
                labels = ("What is going well for your child?", "What could be better for your child or for you?")
            fields.append(self.state(self.screen.widget(labels[0]).id, string_value=comment(rng, good)))
            if rng.random() < 0.6:
                fields.append(self.state(self.screen.widget(labels[1]).id, string_value=comment(rng, bad)))
            fields.append(self.state(self.screen.widget("Save").id, trigger_value=True))
            await self.act(action, lambda s: s.text(SAVED), widgets=fields, refusal="")
            self.saved(self.screen.text(SAVED), form)
            self.values = {}  # the form and the household picker start empty again (new keys)
        elif action == "open My month":
            await self.nav("My month", action, lambda s: s.text("^My month"))
        elif action == "open Themes":
            await self.nav("Themes", action,
                           lambda s: s.text("^Strengths and areas for improvement$") and "vega_lite_chart" in s.kinds)
        elif action == "Themes: read comments":  # choose a theme in "In their own words"
            widget = self.screen.widget("Theme")
            await self.choose("Theme", index=rng.randrange(len(widget.options)))
            await self.act(action, lambda s: s.text("newest first"))
        elif action == "open Entries":
            await self.nav("Entries", action, lambda s: s.text("^Entries$") and "dataframe" in s.kinds)
        elif action == "Entries: open one":
            widget = self.screen.widget("Open entry")
            await self.choose("Open entry", index=rng.randrange(min(len(widget.options), 20)))
            milliseconds = await self.rerun()
            if "History" not in self.screen.blocks:
                if self.screen.widget("Open entry").id != widget.id:
                    raise ActionError(DROPPED)
                raise ActionError("the entry did not open")
            self.timed(action, milliseconds)
        elif action == "open report preview":
            await self.nav("Feedback report", action, lambda s: "Report built from the live data." in s.blocks)
        elif action == "report: change period":
            widget = self.screen.widget("Quarter")
            current = self.values.get(widget.id)
            current = current.string_value if current is not None else widget.options[widget.default]
            others = [o for o in widget.options[:4] if o != current]
            await self.choose("Quarter", rng.choice(others))
            await self.act(action, lambda s: "Report built from the live data." in s.blocks)
        else:  # pragma: no cover - a typo in ACTIONS
            raise ValueError(action)


# ---- The run ---------------------------------------------------------------------------------------------


async def drive(server: Server, args, spec: list[tuple[str, str]], households: list[str], results: Results) -> dict:
    figures: dict = {"browsers": 0, "chromium": ""}
    people: list[Person] = []
    for index, (role, username) in enumerate(spec):
        kind = BrowserPerson if index < args.browsers else SocketPerson
        people.append(kind(index, role, username, server.base, results, random.Random(args.seed * 1000 + index),
                           households, args.think, args.timeout))
    async with contextlib.AsyncExitStack() as stack:
        browsers = []
        if args.browsers:
            from playwright.async_api import async_playwright

            chromium = shutil.which("chromium")
            if not chromium:
                raise RuntimeError("Debian's chromium is needed for --browsers: apt-get install chromium")
            playwright = await stack.enter_async_context(async_playwright())
            for _ in range(math.ceil(args.browsers / PAGES_PER_BROWSER)):
                browsers.append(await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS))
            figures["browsers"], figures["chromium"] = len(browsers), browsers[0].version
            for person in people[:args.browsers]:
                await person.open(browsers[person.index % len(browsers)])
        me = os.getpid()
        server_side = {server.process.pid, *descendants(server.process.pid)}
        start = results.started = time.monotonic()
        deadline = start + args.minutes * 60
        ramp = min(args.ramp, args.minutes * 60 / 3)
        busy0, total0 = machine_cpu()
        server0 = server.cpu_seconds()
        own0 = process_cpu(me)
        samples: list[tuple[float, int]] = []
        client_cpu: dict[int, float] = {}

        async def sample() -> None:
            while True:
                samples.append((time.monotonic(), sum(1 for p in people if p.connected)))
                for pid in descendants(me) - server_side:
                    client_cpu[pid] = max(client_cpu.get(pid, 0.0), process_cpu(pid))
                await asyncio.sleep(2)

        sampler = asyncio.create_task(sample())
        await asyncio.gather(*(person.run(start + ramp * i / len(people), deadline, len(people))
                               for i, person in enumerate(people)))
        end = time.monotonic()
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
        for pid in descendants(me) - server_side:
            client_cpu[pid] = max(client_cpu.get(pid, 0.0), process_cpu(pid))
        busy1, total1 = machine_cpu()
        figures["open_at_end"] = sum(1 for p in people if p.connected)
        figures["server_connections_at_end"] = server.established()
        held = [n for t, n in samples if results.everyone_in_at and results.everyone_in_at <= t <= deadline]
        figures["held_min"] = min(held, default=0)
        figures["held_seconds"] = max(0.0, deadline - results.everyone_in_at) if results.everyone_in_at else 0.0
        figures["elapsed"] = end - start
        figures["machine_busy"], figures["machine_total"] = busy1 - busy0, total1 - total0
        figures["server_cpu"] = server.cpu_seconds() - server0
        figures["own_cpu"] = process_cpu(me) - own0
        figures["browser_cpu"] = sum(client_cpu.values())
        for person in people:
            await person.close()
        for browser in browsers:
            await browser.close()
    return figures


def check_database(database: Path, before: int, results: Results) -> tuple[int, list[str], str]:
    """Compare the responses written during the run with the saves the clients saw acknowledged."""
    rows = query(database, """select r.id, r.form, u.username from responses r join users u on u.id = r.author_id
                              where r.id > ? order by r.id""", before)
    integrity = query(database, "pragma integrity_check")[0][0]
    written = {row[0]: (row[1], row[2]) for row in rows}
    acknowledged: dict[int, tuple[str, str]] = {}
    problems = []
    for number, form, username in results.saves:
        if number in acknowledged:
            problems.append(f"entry #{number} acknowledged twice")
        acknowledged[number] = (form, username)
    for number, what in acknowledged.items():
        if number not in written:
            problems.append(f"acknowledged entry #{number} is missing")
        elif written[number] != what:
            problems.append(f"entry #{number} is {written[number]}, acknowledged as {what}")
    for number in sorted(written.keys() - acknowledged.keys()):
        problems.append(f"entry #{number} was written but never acknowledged")
    return len(written), problems, integrity


def print_report(args, spec, results: Results, figures: dict, server_peak: int, log_errors: list[str],
                 written: int, db_problems: list[str], integrity: str, load_before: str) -> int:
    import streamlit

    roles = {r: sum(1 for role, _ in spec if role == r) for r in ("bso", "manager", "qa")}
    memory = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    sockets = len(spec) - args.browsers
    print(f"Fostering Feedback Hub load test · {len(spec)} concurrent sessions ({roles['bso']} BSO, "
          f"{roles['manager']} manager, {roles['qa']} QA): {sockets} websocket clients + {args.browsers} Chromium "
          f"pages · {args.minutes:g} min · {args.think[0]:g}–{args.think[1]:g} s between a person's actions")
    print(f"machine: {os.cpu_count()} cores, {memory / 2**30:.1f} GiB, {platform.system()} {platform.machine()} · "
          f"Python {platform.python_version()} · Streamlit {streamlit.__version__}"
          + (f" · Chromium {figures['chromium']}" if figures.get("chromium") else "")
          + f" · load average before: {load_before}")
    print()
    header = f"{'action':<26}{'client':<11}{'count':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}"
    print(header)
    print("-" * len(header))
    error_total = 0

    def row(name: str, client: str, values: list[float], failures: int) -> None:
        if values:
            print(f"{name:<26}{client:<11}{len(values):>6}{percentile(values, .5):>9.0f}"
                  f"{percentile(values, .95):>9.0f}{max(values):>9.0f}{failures:>8}")
        else:
            print(f"{name:<26}{client:<11}{0:>6}{'-':>9}{'-':>9}{'-':>9}{failures:>8}")

    for action in ORDER:
        for client in CLIENTS:
            values = results.latencies.get((client, action), [])
            failures = len(results.errors.get((client, action), []))
            error_total += failures
            if values or failures:
                row(action, client, values, failures)
    print("-" * len(header))
    for client in CLIENTS:
        values = [v for (c, a), vs in results.latencies.items() if c == client and a != "idle-timer rerun" for v in vs]
        failures = sum(len(v) for (c, _), v in results.errors.items() if c == client)
        if values or failures:
            row("all actions", client, values, failures)
    print()
    elapsed = figures.get("elapsed") or 1
    actions = sum(len(v) for (_, a), v in results.latencies.items() if a != "idle-timer rerun")
    held = (f"all {len(spec)} signed in and held together for {figures.get('held_seconds', 0):.0f} s (fewest "
            f"connected while held: {figures.get('held_min', 0)})" if results.everyone_in_at
            else f"only {results.signed_in} of {len(spec)} ever signed in")
    print(f"sessions: {len(spec)} opened; {held} · connected at the end: {figures.get('open_at_end', 0)} · "
          f"server connections at the end: {figures.get('server_connections_at_end', 0)}")
    print(f"throughput: {actions / elapsed * 60:.0f} actions/min, {len(results.saves) / elapsed * 60:.1f} saves/min "
          f"over {elapsed:.0f} s")
    total = figures.get("machine_total") or 1
    busy, server_cpu = figures.get("machine_busy", 0), figures.get("server_cpu", 0)
    own_cpu, browser_cpu = figures.get("own_cpu", 0), figures.get("browser_cpu", 0)
    print(f"CPU over the run ({total:.0f} core-seconds): machine {busy / total:.0%} busy · server {server_cpu:.0f} s · "
          f"websocket clients and this script {own_cpu:.0f} s · Chromium and its driver {browser_cpu:.0f} s · "
          f"other processes {max(0.0, busy - server_cpu - own_cpu - browser_cpu):.0f} s")
    print(f"server: peak RSS {server_peak / 2**20:,.0f} MB · errors in its log: {len(log_errors)}")
    for line in sorted(set(log_errors))[:10]:
        print(f"  server log: {line[:170]}  (x{log_errors.count(line)})")
    print(f"database: {written} responses written, {len(results.saves)} saves acknowledged, {len(db_problems)} "
          f"problem(s) · integrity_check {integrity}")
    for problem in db_problems[:10]:
        print(f"  {problem}")
    shown = 0
    for (client, action), messages in results.errors.items():
        for message in sorted(set(messages)):
            if shown < 15:
                print(f"  {client} '{action}': {message}  (x{messages.count(message)})")
                shown += 1
    dropped = 1 if figures.get("held_min", 0) < len(spec) else 0
    if dropped:
        print(f"  sessions were not all held: fewest connected {figures.get('held_min', 0)} of {len(spec)}")
    errors = error_total + len(log_errors) + len(db_problems) + (integrity != "ok") + dropped
    print(f"errors: {errors}")
    return errors


def parse_think(value: str) -> tuple[float, float]:
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError:
        parts = []
    if len(parts) not in (1, 2) or parts[0] < 0 or parts[-1] < parts[0] or parts[-1] > 600:
        raise argparse.ArgumentTypeError("MIN,MAX seconds with 0 <= MIN <= MAX <= 600")
    return parts[0], parts[-1]


def parse_roles(value: str) -> tuple[str, ...]:
    roles = tuple(r.strip() for r in value.split(",") if r.strip())
    if not roles or any(r not in ACTIONS for r in roles):
        raise argparse.ArgumentTypeError(f"a comma-separated list of {', '.join(ACTIONS)}")
    return roles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50, help=f"concurrent sessions, 1 to {MAX_SESSIONS} (50)")
    parser.add_argument("--minutes", type=float, default=3.0, help=f"how long to run, at most {MAX_MINUTES:g} (3)")
    parser.add_argument("--port", type=int, default=0, help="server port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--browsers", type=int, default=None,
                        help=f"how many of the sessions are headless Chromium pages (default {DEFAULT_BROWSERS})")
    parser.add_argument("--think", type=parse_think, default=(5.0, 15.0), metavar="MIN,MAX",
                        help="seconds between one person's actions (5,15)")
    parser.add_argument("--ramp", type=float, default=30.0,
                        help="seconds over which the sessions open and sign in, at most a third of the run (30)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before an action counts as timed out")
    parser.add_argument("--roles", type=parse_roles, default=ROLE_CYCLE, metavar="ROLE,ROLE,...",
                        help="the roles of the sessions, repeated in turn (default: 7 BSO, 2 manager, 1 QA in ten)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database and server log)")
    parser.add_argument("--verbose", action="store_true", help="print every action as it happens (stderr)")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    if not 0 < args.minutes <= MAX_MINUTES:
        parser.error(f"--minutes must be more than 0 and at most {MAX_MINUTES:g}")
    if args.port and not 1024 <= args.port <= 65535:
        parser.error("--port must be between 1024 and 65535")
    args.browsers = min(DEFAULT_BROWSERS, args.sessions) if args.browsers is None else args.browsers
    if not 0 <= args.browsers <= args.sessions:
        parser.error("--browsers must be between 0 and --sessions")
    if not 1 <= args.timeout <= 600 or not 0 <= args.ramp <= 600:
        parser.error("--timeout must be 1 to 600 seconds and --ramp 0 to 600")

    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    folder = Path(tempfile.mkdtemp(prefix="feedback-load-"))
    server = None
    try:
        database = make_database(folder)
        accounts: dict[str, list[str]] = {}
        for role, username in query(database, """select r.role, u.username from users u join user_roles r
                                                 on r.user_id = u.id where u.active = 1
                                                 and u.password_hash is not null order by u.id"""):
            accounts.setdefault(role, []).append(username)
        spec: list[tuple[str, str]] = []
        for index in range(args.sessions):
            role = args.roles[index % len(args.roles)]
            spec.append((role, accounts[role][sum(1 for r, _ in spec if r == role) % len(accounts[role])]))
        households = [r[0] for r in query(database, "select reference from households where status = 'active'")]
        before = query(database, "select coalesce(max(id), 0) from responses")[0][0]

        server = Server(database, args.port or free_port(), folder / "server.log")
        server.wait_until_ready()
        results = Results(verbose=args.verbose)
        figures = asyncio.run(drive(server, args, spec, households, results))
        log_errors = server_log_errors(server.log_path.read_text(errors="replace"))
        server_peak = server.peak_rss()
        server.stop()
        written, db_problems, integrity = check_database(database, before, results)
        errors = print_report(args, spec, results, figures, server_peak, log_errors, written, db_problems, integrity,
                              load_before)
        if args.keep:
            print(f"kept: {folder}")
        return 1 if errors else 0
    finally:
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
