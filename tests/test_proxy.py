"""The reverse-proxy recipe (deploy/nginx.conf) as shipped: nginx from Debian on loopback, TLS, the security
headers, and two app processes behind it; a person signs in through it in Chromium and the session holds."""

import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fixtures import CHROMIUM_ARGS, free_port, sign_in

RECIPE = ROOT / "deploy" / "nginx.conf"


def wait_for(url: str, context=None, process=None, log: Path | None = None) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(url, timeout=2, context=context).status == 200:
                return
        except OSError:
            pass
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer: " + (log.read_text()[-2000:] if log else ""))
        time.sleep(0.3)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "Debian's nginx is needed for the proxy test: apt-get install nginx-light"
    folder = tmp_path_factory.mktemp("proxy")
    database = folder / "demo.db"
    env = {**os.environ, "FEEDBACK_DB": str(database)}
    subprocess.run([sys.executable, "-m", "lib.demo", "--db", str(database)], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    started = []
    ports = [free_port(), free_port()]
    for port in ports:
        log = folder / f"app-{port}.log"
        started.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port)],
            cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")], check=True,
                   capture_output=True)
    http_port, https_port = free_port(), free_port()
    values = {"PORT_A": ports[0], "PORT_B": ports[1], "HTTP_PORT": f"127.0.0.1:{http_port}",
              "HTTPS_PORT": f"127.0.0.1:{https_port}", "SERVER_NAME": "localhost",
              "CERTIFICATE": folder / "cert.pem", "CERTIFICATE_KEY": folder / "key.pem"}
    site = RECIPE.read_text()
    for name, value in values.items():
        site = site.replace("{{" + name + "}}", str(value))
    site = site.replace(f"https://$host:127.0.0.1:{https_port}", f"https://$host:{https_port}")
    (folder / "logs").mkdir()
    (folder / "nginx.conf").write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/logs/error.log;\nevents {{}}\nhttp {{\n"
        f"access_log {folder}/logs/access.log;\nclient_body_temp_path {folder}/body;\n"
        f"proxy_temp_path {folder}/proxy;\nfastcgi_temp_path {folder}/fastcgi;\nuwsgi_temp_path {folder}/uwsgi;\n"
        f"scgi_temp_path {folder}/scgi;\ninclude /etc/nginx/mime.types;\n{site}\n}}\n")
    proxy = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                             stdout=open(folder / "nginx.out", "w"), stderr=subprocess.STDOUT, start_new_session=True)
    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE  # the test's own self-signed certificate
    try:
        for port, process in zip(ports, started):
            wait_for(f"http://127.0.0.1:{port}/_stcore/health", process=process, log=folder / f"app-{port}.log")
        wait_for(f"https://127.0.0.1:{https_port}/_stcore/health", context=insecure, process=proxy,
                 log=folder / "nginx.out")
        yield {"https": f"https://127.0.0.1:{https_port}", "http": f"http://127.0.0.1:{http_port}", "ports": ports,
               "context": insecure}
    finally:
        for process in (proxy, *started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(10)


def test_the_proxy_serves_the_app_over_tls_with_the_security_headers_and_redirects_plain_http(proxied):
    response = urllib.request.urlopen(proxied["https"] + "/", timeout=10, context=proxied["context"])
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["x-content-type-options"] == "nosniff"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as moved:
        urllib.request.build_opener(NoRedirect).open(proxied["http"] + "/users", timeout=10)
    assert moved.value.code == 301 and moved.value.headers["Location"].startswith("https://")


def test_both_app_processes_behind_the_proxy_answer_and_listen_on_loopback_only(proxied):
    for port in proxied["ports"]:
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5).read() == b"ok"
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout if shutil.which("ss") else ""
    for port in proxied["ports"]:
        bound = [line.split()[3] for line in listening.splitlines() if line.split()[3].endswith(f":{port}")]
        assert bound in ([], [f"127.0.0.1:{port}"]), bound  # never 0.0.0.0 or [::]


def test_a_person_signs_in_through_the_proxy_and_the_session_holds_across_pages(proxied):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        context = browser.new_context(ignore_https_errors=True, viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        sign_in(page, proxied["https"], "manager")
        page.get_by_role("link", name="Themes").first.click()
        page.get_by_role("heading", name="Strengths and areas for improvement").wait_for()
        page.locator("[data-testid='stVegaLiteChart']").first.locator("g.mark-rect path").first.wait_for()
        assert page.get_by_role("button", name="Sign in", exact=True).count() == 0  # still signed in
        page.reload()
        page.get_by_role("button", name="Sign in", exact=True).wait_for()  # a reload signs out, as documented
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()


@pytest.mark.parametrize("peer, forwarded, device", [
    ("127.0.0.1", "203.0.113.9", "203.0.113.9"),          # through the local proxy: the browser's address
    ("127.0.0.1", "10.1.1.1, 203.0.113.9", "203.0.113.9"),  # only the hop the local proxy added is trusted
    ("198.51.100.4", "203.0.113.9", "198.51.100.4"),       # straight from the network: a forged header is ignored
    ("127.0.0.1", None, "127.0.0.1"),
])
def test_sign_in_pauses_count_the_browser_behind_the_proxy_not_the_proxy(monkeypatch, peer, forwarded, device):
    from types import SimpleNamespace

    import streamlit

    from lib.ui import session

    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    monkeypatch.setattr(streamlit, "context", SimpleNamespace(ip_address=peer, headers=headers))
    assert session.device() == device
