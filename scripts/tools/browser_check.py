"""Opens a page in headless Chromium over the DevTools protocol and checks what a person sees.

    python browser_check.py CHROMIUM PAGE.html SCREENSHOT.png [--expect-text TEXT]...

Starts Chromium (--headless, a fresh profile, a free port on 127.0.0.1), loads the page from
its file, and fails (exit 1, one line per problem) when: the console logged an error or the
page threw; a chart (svg.chart) has no title or no drawn mark (an element of class "mark"
whose bounding box is not empty); no example shows a highlighted masked token (unless
--no-masks); a text given with --expect-text is not on the page; a font does not cover a
CJK character of that text (the fonts Chromium drew the examples with, from
CSS.getPlatformFontsForNode, include no CJK face). Writes a
full-page PNG screenshot. Prints one JSON line of what it found.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # websocket-client (python/requirements-test.txt)

CHECK = r"""
(() => {
  const charts = [...document.querySelectorAll('svg.chart')].map(svg => {
    // A bar must have an area; a line or a dot an extent.
    const marks = [...svg.querySelectorAll('.mark')].filter(m => {
      const b = m.getBBox();
      return m.tagName === 'rect' ? b.width > 0 && b.height > 0 : b.width > 0 || b.height > 0;
    });
    const title = svg.querySelector('.chart-title');
    return {id: svg.id, title: title ? title.textContent : '', marks: marks.length,
            axes: svg.querySelectorAll('.axis').length};
  });
  const masked = document.querySelectorAll('.example .masked').length;
  const text = document.body.innerText;
  const family = getComputedStyle(document.body).fontFamily;
  return JSON.stringify({charts, masked, examples: document.querySelectorAll('.example').length,
                         text, family, height: document.documentElement.scrollHeight});
})()
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DevTools:
    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=30)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError("%s: %s" % (method, message["error"]))
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            for e in self.events:
                if e.get("method") == method:
                    return e
            self.ws.settimeout(max(0.1, deadline - time.time()))
            self.events.append(json.loads(self.ws.recv()))
        raise RuntimeError("no %s within %d s" % (method, seconds))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("chromium")
    parser.add_argument("page")
    parser.add_argument("screenshot")
    parser.add_argument("--expect-text", action="append", default=[])
    parser.add_argument("--no-masks", action="store_true")
    args = parser.parse_args()
    port = free_port()
    profile = tempfile.mkdtemp(prefix="pretext-chromium-")
    browser = subprocess.Popen([args.chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=%d" % port,
                                "--user-data-dir=" + profile, "--window-size=1280,900", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    problems = []
    try:
        targets = None
        for _ in range(100):
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=2) as r:
                    targets = [t for t in json.load(r) if t.get("type") == "page"]
                if targets:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        if not targets:
            raise RuntimeError("Chromium did not open its DevTools port")
        tools = DevTools(targets[0]["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log"):
            tools.call(domain + ".enable")
        start = time.time()
        tools.call("Page.navigate", url="file://" + os.path.abspath(args.page))
        tools.wait_for("Page.loadEventFired")
        load_seconds = time.time() - start
        found = json.loads(tools.call("Runtime.evaluate", expression=CHECK, returnByValue=True)["result"]["value"])
        # The fonts Chromium really drew the examples with (CSS.getPlatformFontsForNode): a
        # character no font covers would be drawn with a fallback, never with a CJK face.
        tools.call("DOM.enable")
        tools.call("CSS.enable")
        root = tools.call("DOM.getDocument", depth=-1)["root"]["nodeId"]
        fonts = set()
        for node in tools.call("DOM.querySelectorAll", nodeId=root, selector=".example .tok")["nodeIds"]:
            for child in tools.call("DOM.describeNode", nodeId=node, depth=1)["node"].get("children", []):
                if child.get("nodeType") == 3:
                    fonts.update(f["familyName"] for f in tools.call("CSS.getPlatformFontsForNode", nodeId=node)["fonts"])
                    break
        fonts_ok = {}
        for text in args.expect_text:
            cjk = any(0x1100 <= ord(c) <= 0x11FF or 0x2E80 <= ord(c) <= 0x9FFF or 0xAC00 <= ord(c) <= 0xD7AF for c in text)
            fonts_ok[text] = (not cjk) or any("CJK" in f or " KR" in f or "Korean" in f for f in fonts)
        metrics = tools.call("Page.getLayoutMetrics")["cssContentSize"]
        tools.call("Emulation.setDeviceMetricsOverride", width=1280, height=int(min(metrics["height"], 16000)),
                   deviceScaleFactor=1, mobile=False)
        shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        import base64
        with open(args.screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        for e in tools.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                problems.append("page threw: %s" % params.get("exceptionDetails", {}).get("text"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                problems.append("console error: %s" % [a.get("value") for a in params.get("args", [])])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                problems.append("console error: %s" % params["entry"].get("text"))
        if not found["charts"]:
            problems.append("the page has no chart")
        for chart in found["charts"]:
            if chart["marks"] == 0:
                problems.append("chart %s (%s) draws no mark" % (chart["id"], chart["title"]))
            if not chart["title"] or chart["axes"] < 2:
                problems.append("chart %s has no title or no axis labels" % chart["id"])
        if not args.no_masks and found["masked"] == 0:
            problems.append("no example shows a highlighted masked token")
        for text in args.expect_text:
            if text not in found["text"]:
                problems.append("%r is not on the page" % text)
            if not fonts_ok.get(text):
                problems.append("no font of %s covers %r" % (found["family"], text))
        print(json.dumps({"page": args.page, "load_seconds": round(load_seconds, 3), "charts": len(found["charts"]),
                          "example_fonts": sorted(fonts),
                          "marks": sum(c["marks"] for c in found["charts"]), "masked_tokens": found["masked"],
                          "examples": found["examples"], "fonts": fonts_ok, "problems": problems}))
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()
        shutil.rmtree(profile, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
