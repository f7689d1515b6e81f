"""The repository's own CI, pre-commit, yamllint and code-owner files, checked with the real tools.

actionlint lints the GitHub workflows, pre-commit validates its own configuration files, yamllint
runs with the project's settings over the sample desk, and the hook's command runs on a copy of it.
Each tool also gets a broken input, to show that the check can fail.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
PR = WORKFLOWS / "pr.yml"
DEPLOY = WORKFLOWS / "deploy.yml"
MAINTAINERS = "@briefgen/maintainers"


def tool(name: str) -> str:
    """A console script of the test environment: next to this Python first, then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    assert found, f"`{name}` is not installed; install the test extra: pip install -e '.[test]'"
    return found


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """The `on:` mapping (PyYAML reads the bare key `on` as the boolean True)."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on)


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def uses(step: dict[str, Any]) -> str:
    """`actions/checkout@v7` → `actions/checkout`."""
    return str(step.get("uses", "")).split("@")[0]


def step_index(job: dict[str, Any], predicate: Any, what: str) -> int:
    for i, step in enumerate(steps(job)):
        if predicate(step):
            return i
    raise AssertionError(f"no step {what} in {[s.get('name') for s in steps(job)]}")


# --- GitHub workflows -------------------------------------------------------------------------


def actionlint(*files: Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return run(tool("actionlint"), "-no-color", "-oneline", *map(str, files), cwd=cwd)


def test_actionlint_accepts_both_workflows() -> None:
    assert PR.is_file() and DEPLOY.is_file()
    result = actionlint(PR, DEPLOY)
    assert result.returncode == 0, f"actionlint found problems:\n{output(result)}"
    assert result.stdout.strip() == ""


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(textwrap.dedent("""\
        name: Broken
        on:
          pull_request:
        jobs:
          check:
            steps:
              - uses: actions/checkout@v7
                with:
                  persist-credential: false
              - run: echo "${{ github.event.pull_request.title }}"
          deploy:
            needs: [build]
            runs-on: ubuntu-latest
            steps:
              - run: echo ok
        """), encoding="utf-8")
    # Line 5: job without `runs-on`; 9: misspelt input; 10: script injection; 11: needs a missing job.
    result = actionlint(broken, cwd=tmp_path)
    assert result.returncode == 1, output(result)
    report = result.stdout
    for line, rule in ((5, "syntax-check"), (9, "action"), (10, "expression"), (11, "job-needs")):
        assert re.search(rf"broken\.yml:{line}:\d+: .* \[{rule}\]$", report, re.M), f"line {line} [{rule}]:\n{report}"


def test_pr_workflow_runs_on_pull_request_only_with_a_read_only_token() -> None:
    workflow = load(PR)
    assert set(triggers(workflow)) == {"pull_request"}
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        assert job.get("permissions", {}) in ({}, {"contents": "read"}), f"job {name} widens the token"


def test_pr_workflow_checks_builds_and_uploads_a_preview() -> None:
    jobs = load(PR)["jobs"]
    assert len(jobs) == 1
    job = next(iter(jobs.values()))
    checkout = step_index(job, lambda s: uses(s) == "actions/checkout", "checking out")
    assert steps(job)[checkout].get("with", {}).get("persist-credentials") is False
    python = step_index(job, lambda s: uses(s) == "actions/setup-python", "setting up Python")
    assert str(steps(job)[python]["with"]["python-version"]) == "3.11"
    install = step_index(job, lambda s: "pip install ." in s.get("run", ""), "installing briefgen")
    check = step_index(job, lambda s: s.get("run", "").strip() == "briefgen check --format github", "checking")
    build = step_index(job, lambda s: s.get("run", "").strip() == "briefgen build --site-dir site", "building")
    upload = step_index(job, lambda s: uses(s) == "actions/upload-artifact", "uploading the preview")
    assert checkout < python < install < check < build < upload
    assert steps(job)[upload]["with"]["path"].rstrip("/") == "site"


def test_deploy_workflow_publishes_main_to_pages() -> None:
    workflow = load(DEPLOY)
    on = triggers(workflow)
    assert set(on) == {"push", "workflow_dispatch"}
    assert on["push"] == {"branches": ["main"]}
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}

    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    configure = step_index(build, lambda s: uses(s) == "actions/configure-pages", "configuring Pages")
    site = step_index(build, lambda s: "briefgen build" in s.get("run", ""), "building")
    upload = step_index(build, lambda s: uses(s) == "actions/upload-pages-artifact", "uploading the site")
    assert configure < site < upload
    assert steps(build)[upload]["with"]["path"] == "site"

    assert deploy["needs"] == "build"
    assert deploy["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    deploy_step = steps(deploy)[step_index(deploy, lambda s: uses(s) == "actions/deploy-pages", "deploying")]
    assert deploy_step["id"] == "deployment"


def test_workflows_use_only_official_actions_by_major_version() -> None:
    for path in (PR, DEPLOY):
        for job in load(path)["jobs"].values():
            for step in steps(job):
                if "uses" in step:
                    assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), f"{path.name}: {step['uses']}"


# --- code owners ------------------------------------------------------------------------------


def codeowners() -> dict[str, list[str]]:
    rules: dict[str, list[str]] = {}
    for line in (REPO / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            pattern, *owners = line.split()
            rules[pattern] = owners
    return rules


def test_code_and_configuration_are_owned_by_the_maintainers_and_content_is_open() -> None:
    rules = codeowners()
    for path in ("/briefgen/", "/templates/", "/mkdocs.yml", "/pyproject.toml", "/Makefile", "/.ci/", "/.github/"):
        assert rules.get(path) == [MAINTAINERS], path
    assert rules["/content/"] == []
    assert "*" not in rules  # a catch-all owner would make content/ need a maintainer again
    assert list(rules)[-1] == "/content/"  # last match wins: nothing after it may claim content/


# --- pre-commit -------------------------------------------------------------------------------


def pre_commit(*args: str) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "pre_commit", *args)


def test_pre_commit_accepts_its_configuration_files() -> None:
    for args in (("validate-manifest", ".pre-commit-hooks.yaml"), ("validate-config", ".pre-commit-config.yaml")):
        result = pre_commit(*args)
        assert result.returncode == 0, output(result)


def test_pre_commit_rejects_a_broken_manifest(tmp_path: Path) -> None:
    hooks = load(REPO / ".pre-commit-hooks.yaml")
    hooks[0]["language"] = "pythn"
    broken = tmp_path / ".pre-commit-hooks.yaml"
    broken.write_text(yaml.safe_dump(hooks), encoding="utf-8")
    result = run(sys.executable, "-m", "pre_commit", "validate-manifest", str(broken))
    assert result.returncode != 0, output(result)
    assert "language" in result.stdout + result.stderr


def test_the_published_hook_runs_briefgen_check_on_content_changes() -> None:
    hooks = load(REPO / ".pre-commit-hooks.yaml")
    assert [hook["id"] for hook in hooks] == ["briefgen-check"]
    hook = hooks[0]
    assert hook["entry"] == "briefgen check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is False
    files = re.compile(hook["files"])  # pre-commit matches with re.search on repository paths
    for path in ("content/people/s-jaishankar.yml", "content/articles/2024/07/a.md", "mkdocs.yml"):
        assert files.search(path), path
    for path in ("briefgen/cli.py", "docs/mkdocs.yml", "mkdocs.yml.bak", "README.md"):
        assert not files.search(path), path


def test_the_project_config_runs_ruff_yamllint_and_briefgen_check() -> None:
    repos = {repo["repo"]: repo for repo in load(REPO / ".pre-commit-config.yaml")["repos"]}
    ruff = repos["https://github.com/astral-sh/ruff-pre-commit"]
    assert ruff["rev"] == "v0.6.9" and [h["id"] for h in ruff["hooks"]] == ["ruff"]
    yamllint = repos["https://github.com/adrienverge/yamllint"]
    assert yamllint["rev"] == "v1.35.1"
    (hook,) = yamllint["hooks"]
    assert hook["id"] == "yamllint" and re.search(hook["files"], "content/people/s-jaishankar.yml")
    assert ".yamllint.yaml" in hook["args"]
    (local,) = repos["local"]["hooks"]
    assert (local["id"], local["entry"], local["pass_filenames"]) == ("briefgen-check", "briefgen check", False)


def copy_sample(root: Path) -> Path:
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


def hook_command() -> list[str]:
    """The published hook's entry, with its console script taken from this environment."""
    program, *args = shlex.split(load(REPO / ".pre-commit-hooks.yaml")[0]["entry"])
    return [tool(program), *args]


def test_the_hook_command_passes_the_sample_desk_and_fails_a_broken_one(tmp_path: Path) -> None:
    desk = copy_sample(tmp_path / "desk")
    result = run(*hook_command(), cwd=desk)
    assert result.returncode == 0, output(result)

    person = desk / "content" / "people" / "s-jaishankar.yml"
    person.write_text(person.read_text(encoding="utf-8") + "bogus: 1\n", encoding="utf-8")
    result = run(*hook_command(), cwd=desk)
    assert result.returncode == 1, output(result)
    assert "content/people/s-jaishankar.yml:" in result.stdout and "error[unknown-key]" in result.stdout


# --- yamllint ---------------------------------------------------------------------------------


def yamllint(*paths: Path | str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    config = REPO / ".yamllint.yaml"
    return run(tool("yamllint"), "--strict", "--format", "parsable", "--config-file", str(config), *map(str, paths),
               cwd=cwd)


def test_yamllint_passes_the_sample_content_and_the_repository_s_own_yaml() -> None:
    own = [".yamllint.yaml", ".pre-commit-hooks.yaml", ".pre-commit-config.yaml", ".github/workflows"]
    result = yamllint("content", *own)
    assert result.returncode == 0, output(result)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(("text", "rule"), [
    ("name: Ada\nname: Lovelace\n", "key-duplicates"),
    ("name: Ada\nstart: 2024-07-03\nongoing: yes\n", "truthy"),
    ("name: Ada\naliases:\n   - Lovelace\n  - Countess\n", "syntax"),
    ("name: Ada   \n", "trailing-spaces"),
])
def test_yamllint_config_still_catches_real_mistakes(tmp_path: Path, text: str, rule: str) -> None:
    path = tmp_path / "content" / "people" / "ada-lovelace.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    result = yamllint(path, cwd=tmp_path)
    assert result.returncode != 0, output(result)
    assert f"({rule})" in result.stdout, output(result)


# --- CONTRIBUTING.md --------------------------------------------------------------------------


def front_matter(text: str) -> str:
    return text.split("\n---\n")[0].removeprefix("---\n")


def test_contributing_examples_are_excerpts_of_the_sample_desk() -> None:
    """Each YAML example introduced by a sample file's path (`content/...`:) matches that file."""
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    compared = 0
    previous_end = 0
    for block in re.finditer(r"^ *```yaml\n(.*?)^ *```", text, re.S | re.M):
        shown = yaml.safe_load(front_matter(block[1]))
        intro = re.search(r"`(content/[a-z0-9/-]+\.(?:yml|md))`[^`]*:\s*$", text[previous_end:block.start()])
        previous_end = block.end()
        if intro is None:
            assert shown is not None or block[1].lstrip().startswith("#"), block[1]
            continue
        source = REPO / intro[1]
        assert source.is_file(), intro[1]
        real = yaml.safe_load(front_matter(source.read_text(encoding="utf-8")))
        for key, value in shown.items():
            assert key in real, f"{intro[1]}: {key}"
            if isinstance(value, list):  # examples may shorten lists ...
                assert all(item in real[key] for item in value), f"{intro[1]}: {key}"
            elif isinstance(value, str):  # ... and prose
                assert " ".join(real[key].split()).startswith(" ".join(value.split())), f"{intro[1]}: {key}"
            else:
                assert value == real[key], f"{intro[1]}: {key}"
        compared += 1
    assert compared >= 5
