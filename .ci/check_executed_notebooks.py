"""Checks notebooks executed by Jupyter: no error output, the checks line with failures 0,
and for 00-setup a Plotly chart as text/html and as the Plotly MIME bundle."""
import json
import re
import sys

CHECKS = re.compile(r"\[visionlab-checks\] notebook=(\S+) passed=(\d+) failed=(\d+)")


def text(value):
    return "".join(value) if isinstance(value, list) else (value or "")


def problems(path):
    nb = json.load(open(path, encoding="utf-8"))
    found, html, plotly = [], [], []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                yield f"error output: {out.get('ename')}: {out.get('evalue')}"
            if out["output_type"] == "stream":
                found += CHECKS.findall(text(out.get("text")))
            html.append(text(out.get("data", {}).get("text/html")))
            if "application/vnd.plotly.v1+json" in out.get("data", {}):
                plotly.append(out["data"]["application/vnd.plotly.v1+json"])
    if not found:
        yield "no [visionlab-checks] line: the checks cell did not run"
    for name, passed, failed in found:
        if int(failed) or not int(passed):
            yield f"checks of {name}: {passed} passed, {failed} failed"
    if path.endswith("00-setup.ipynb") and not any("Plotly.newPlot" in h for h in html):
        yield "no Plotly chart in text/html output"
    if path.endswith("00-setup.ipynb") and not plotly:
        yield "no application/vnd.plotly.v1+json output (VS Code and JupyterLab draw that one)"


failed = False
for path in sys.argv[1:]:
    issues = list(problems(path))
    print(f"{path}: {'ok' if not issues else '; '.join(issues)}")
    failed |= bool(issues)
sys.exit(1 if failed else 0)
