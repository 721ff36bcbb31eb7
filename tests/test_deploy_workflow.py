"""The GitHub Pages workflows, this repository's and the one `init` writes, read as YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO
from readme import setup_commands

from blogsite.config import check_base_url
from blogsite.scaffold import init_site

BUILD = 'blogsite build --strict --base-url "${{ steps.pages.outputs.base_url }}/"'
CHECK = "blogsite check --code"
# The bundled blog also keeps its Chinese prose clean; a new site may not want that yet.
REPO_CHECK = "blogsite check --code --prose"


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return workflow["jobs"][job]["steps"]


def runs(workflow: dict[str, Any], job: str) -> list[str]:
    return [step["run"].strip() for step in steps(workflow, job) if "run" in step]


def uses(workflow: dict[str, Any], job: str) -> list[str]:
    return [step["uses"].split("@")[0] for step in steps(workflow, job) if "uses" in step]


@pytest.fixture(scope="module")
def init_workflow(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    site = tmp_path_factory.mktemp("site")
    init_site(site, force=True)
    return load(site / ".github/workflows/deploy.yml")


@pytest.fixture(scope="module")
def repo_workflow() -> dict[str, Any]:
    return load(REPO / ".github/workflows/deploy.yml")


@pytest.fixture(params=["repo", "init"])
def workflow(request: pytest.FixtureRequest, repo_workflow, init_workflow) -> dict[str, Any]:
    return repo_workflow if request.param == "repo" else init_workflow


def test_runs_on_push_to_main_with_pages_permissions(workflow: dict[str, Any]) -> None:
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_builds_strictly_with_the_pages_url_and_deploys_with_the_official_actions(
    workflow: dict[str, Any],
) -> None:
    build_steps = steps(workflow, "build")
    pages = [
        step for step in build_steps if step.get("uses", "").startswith("actions/configure-pages@")
    ]
    assert len(pages) == 1 and pages[0]["id"] == "pages"
    assert runs(workflow, "build")[-1] == BUILD
    # Configure Pages must come before the build that reads its output.
    order = [step.get("id") or step.get("run", "").strip() for step in build_steps]
    assert order.index("pages") < order.index(BUILD)
    # Code blocks run and links are checked before the build, whose cache it fills.
    check = next(run for run in order if run.startswith("blogsite check"))
    assert check in (CHECK, REPO_CHECK)
    assert order.index(check) < order.index(BUILD)
    assert uses(workflow, "build")[-1] == "actions/upload-pages-artifact"
    upload = build_steps[-1]
    assert upload["with"]["path"] == "public"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert uses(workflow, "deploy") == ["actions/deploy-pages"]


def test_the_repository_installs_and_tests_with_the_readme_command(
    repo_workflow: dict[str, Any],
) -> None:
    install_and_test = runs(repo_workflow, "build")[0]
    assert install_and_test == setup_commands()[1]
    assert REPO_CHECK in runs(repo_workflow, "build")
    # Its apt-get needs root on Debian, the machine the README is written for.
    assert repo_workflow["jobs"]["build"]["container"].endswith("-bookworm")


def test_a_new_site_installs_what_its_requirements_name(init_workflow: dict[str, Any]) -> None:
    assert runs(init_workflow, "build") == ["pip install -r requirements.txt", CHECK, BUILD]


def test_the_pages_url_is_a_valid_base_url() -> None:
    """What the build step gets from a Pages project or user site passes the check."""
    for pages_url in ("https://user.github.io/blog", "https://user.github.io"):
        assert check_base_url(pages_url + "/").endswith("/")
