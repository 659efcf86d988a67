"""Benchmark: from opening the link to question 1's answer buttons on screen, on a throttled phone.

Usage: .venv/bin/python bench/first_question.py [--runs 7] [--workers 2]

The app runs under gunicorn on 127.0.0.1 (as bench/answer.py starts it).
Chromium (Playwright, as the browser tests drive it) opens each link in a
fresh phone-sized context, so nothing is cached and there is no cookie,
as for a participant tapping the link in an SMS. The network is throttled
through the DevTools protocol (``Network.emulateNetworkConditions``: the
latency is added to every request, the throughput limits each direction):

- "3G": 300 ms, 400 kbit/s down and up (the profile named in issue 15);
- "slow 4G": Lighthouse's mobile slow 4G, 150 ms, 1.6 Mbit/s down, 750 kbit/s up.

"Visible" is the first animation frame in which an answer button of
question 1 has a size on the page (frames are not run while the browser
waits for a stylesheet in the page's head, so an unstyled flash does not
count). The time runs from just before the navigation starts. Where the
link's page shows a Start button instead (the flow before issue 15), the
script presses it as soon as it is on screen and adds the two waits (the
time of the tap itself is left out). So the same script measures both
flows; which one ran is printed.

Prints, per profile, every run and the median, the flow, and the bytes
and requests the browser fetched before the buttons were visible.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from answer import free_port, prepare_invitations, start_gunicorn  # noqa: E402

PROFILES = {
    # name: (latency ms, download bit/s, upload bit/s, target s)
    "3G": (300, 400_000, 400_000, 1.0),
    "slow 4G": (150, 1_600_000, 750_000, 0.5),
}

# Runs in every document before its own scripts: records the first frame in
# which something matching the selector has a size, as an epoch time in ms.
WATCH = """
(() => {
  const watch = (selector, name) => {
    const check = () => {
      const el = document.querySelector(selector);
      if (el && el.getBoundingClientRect().height > 0) {
        window[name] = performance.timeOrigin + performance.now();
      } else {
        requestAnimationFrame(check);
      }
    };
    requestAnimationFrame(check);
  };
  watch("form[data-chat-form] .options button", "__questionVisible");
  watch("form.start button", "__startVisible");
})();
"""

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def throttle(context, page, profile: str) -> None:
    latency, down, up, _target = PROFILES[profile]
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": latency, "downloadThroughput": down / 8, "uploadThroughput": up / 8},
    )


def wait_for(page, expression: str) -> list:
    """Poll the page until one of the recorded times is set (the page's CSP forbids wait_for_function's eval).

    The times are taken in the page, so the polling interval does not change them.
    """
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            values = page.evaluate(expression)
        except Exception:  # the document is being replaced (the Start flow's navigation)
            values = [None]
        if any(value is not None for value in values):
            return values
        time.sleep(0.01)
    raise SystemExit("question 1 did not appear within 30 s")


def one_run(browser, link: str, profile: str) -> dict:
    """Open ``link`` once on a fresh throttled phone; the seconds to question 1 and what it took."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.add_init_script(WATCH)
    page = context.new_page()
    throttle(context, page, profile)
    fetched = []
    page.on("requestfinished", lambda request: fetched.append(request))
    started = time.time() * 1000
    page.goto(link, wait_until="commit")
    seen = wait_for(page, "[window.__questionVisible, window.__startVisible]")
    flow = "link page shows question 1"
    if seen[0] is None:
        flow = "link page, then Start"
        tapped = time.time() * 1000
        page.locator("form.start button").click(no_wait_after=True)
        seconds = (seen[1] - started + wait_for(page, "[window.__questionVisible]")[0] - tapped) / 1000
    else:
        seconds = (seen[0] - started) / 1000
    requests = [r for r in list(fetched) if not r.url.startswith("data:")]
    size = sum((r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]) for r in requests)
    context.close()
    return {"seconds": seconds, "flow": flow, "requests": len(requests), "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per profile (median reported)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    args = parser.parse_args()
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("Chromium is needed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="survey-bench-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SURVEY_APP_")},
            "SURVEY_APP_INSTANCE_PATH": str(Path(tmp) / "instance"),
            "SURVEY_APP_SECRET_KEY": secrets.token_urlsafe(32),
            "SURVEY_APP_BASE_URL": "http://127.0.0.1",
        }
        paths = prepare_invitations(env, args.runs * len(PROFILES) + 2)
        port = free_port()
        server_args = argparse.Namespace(workers=args.workers, worker_class="sync", threads=1)
        server = start_gunicorn("wsgi:app", ROOT, port, server_args, env)
        base = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
                # Warm-up (imports, templates, the database), not counted.
                for path in paths[:2]:
                    one_run(browser, base + path, "slow 4G")
                paths = paths[2:]
                for profile, (latency, down, up, target) in PROFILES.items():
                    runs = [one_run(browser, base + paths.pop(), profile) for _ in range(args.runs)]
                    times = [run["seconds"] for run in runs]
                    median = statistics.median(times)
                    verdict = "meets" if median <= target else "MISSES"
                    print(
                        f"{profile} ({latency} ms, {down / 1e6:g}/{up / 1e6:g} Mbit/s):"
                        f" median {median:.2f} s ({verdict} the target of {target:g} s);"
                        f" runs {' '.join(f'{t:.2f}' for t in times)}",
                        flush=True,
                    )
                    print(
                        f"  flow: {runs[0]['flow']}; {runs[0]['requests']} requests, {runs[0]['bytes']} bytes"
                    )
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
