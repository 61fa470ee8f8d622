#!/usr/bin/env python3
"""Records what the real Terraform gives for every case of the differential corpus.

`expressions.txt` lists one HCL expression a line (`#` lines are headings and
comments). For each, Terraform's console is asked for `jsonencode(EXPR)` — one
process per expression, since a piped console stops at its first error — and
the answer is written back under the expression, indented:

    true ? 1 : "a"
      => "\"1\""
    index([1, 2], "2")
      !! Error in function call: Call to function "index" failed: item not found.

`=>` is the console's own line for the value; `!!` marks an error, with its
summary and detail. The JSON form is compared rather than the console's
rendering of the value itself, because Gantry keeps lists, tuples and sets in one
kind of value; the JSON text still shows every type conversion and every digit.

Every folder under `configs/` is a small configuration (`*.hcl`, copied to
`*.tf` for Terraform) applied with `terraform apply`; its `expected.json` is
`terraform output -json`, or `{"error": SUMMARY}` when apply fails.

Run from anywhere with `terraform` on PATH: `python3 tests/terraform/regen.py`.
"""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "files")
ENV = dict(os.environ, CHECKPOINT_DISABLE="1", TF_CLI_CONFIG_FILE="/dev/null", TF_IN_AUTOMATION="1")


def first_error(stderr):
    """The summary and detail of the first error in Terraform's -no-color output."""
    lines = [l.lstrip("│ ").rstrip() for l in stderr.splitlines()]
    for i, line in enumerate(lines):
        # `init` reports that the configuration is invalid before saying why; the why is wanted.
        if line.startswith("Error: Terraform encountered problems during initialisation"):
            continue
        if line.startswith("Error: "):
            summary = line[len("Error: "):]
            body = [l for l in lines[i + 1:] if not l.startswith("╵")]
            # The detail follows the source excerpt, after the first blank line past it.
            detail, seen_on = [], False
            for l in body:
                if l.startswith("on ") or l.startswith("(source code") or l.startswith("  "):
                    seen_on = True
                    continue
                if l.startswith("╷") or l.startswith("Error: "):
                    break
                if l.strip():
                    detail.append(l.strip())
            text = summary + (": " + " ".join(detail) if detail else "")
            return re.sub(r"\s+", " ", text)
    return "no error text: " + stderr.strip().replace("\n", " ")[:200]


def console(expr):
    # Each console takes the state lock of its folder, so each runs in a copy of its own.
    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.join(tmp, "files")
        shutil.copytree(FILES, work)
        proc = subprocess.run(
            ["terraform", "console", "-no-color"],
            input=f"jsonencode({expr})\n",
            capture_output=True,
            text=True,
            cwd=work,
            env=ENV,
            timeout=60,
        )
    out = proc.stdout.strip()
    if proc.returncode == 0 and out:
        return "=> " + out
    return "!! " + first_error(proc.stderr)


def regen_expressions():
    path = os.path.join(HERE, "expressions.txt")
    cases, layout = [], []
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("  ") or not line.strip():
                if not line.strip():
                    layout.append(("text", ""))
                continue
            if line.startswith("#"):
                layout.append(("text", line))
            else:
                layout.append(("case", line))
                cases.append(line)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        answers = dict(zip(cases, pool.map(console, cases)))
    with open(path, "w") as f:
        for kind, line in layout:
            f.write(line + "\n")
            if kind == "case":
                f.write("  " + answers[line] + "\n")
    print(f"{len(cases)} expressions recorded")


def regen_configs():
    root = os.path.join(HERE, "configs")
    if not os.path.isdir(root):
        return
    count = 0
    for name in sorted(os.listdir(root)):
        case = os.path.join(root, name)
        if not os.path.isdir(case):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            work = os.path.join(tmp, "c")
            shutil.copytree(case, work, ignore=shutil.ignore_patterns("expected.json"))
            for d, _, files in os.walk(work):
                for fn in files:
                    if fn.endswith(".hcl"):
                        os.rename(os.path.join(d, fn), os.path.join(d, fn[:-4] + ".tf"))
            run = lambda *args: subprocess.run(
                ["terraform", *args], capture_output=True, text=True, cwd=work, env=ENV, timeout=120
            )
            result = run("init", "-input=false", "-no-color")
            if result.returncode == 0:
                result = run("apply", "-auto-approve", "-input=false", "-no-color")
            if result.returncode == 0:
                out = run("output", "-json", "-no-color")
                expected = {"outputs": {k: v["value"] for k, v in json.loads(out.stdout).items()}}
            else:
                expected = {"error": first_error(result.stderr)}
        with open(os.path.join(case, "expected.json"), "w") as f:
            json.dump(expected, f, indent=2, sort_keys=True)
            f.write("\n")
        count += 1
    print(f"{count} configurations recorded")


if __name__ == "__main__":
    if shutil.which("terraform") is None:
        sys.exit("terraform is not on PATH; the recorded expectations are left as they are")
    regen_expressions()
    regen_configs()
