"""The README and docs say what the code does: layout, routes, close codes, links, recipes."""

import re
import subprocess
from pathlib import Path

import pytest

from chorus_schemas.live_room import CloseCode
from gateway.edge.routing import owner_of

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists())
CONTRACT = (ROOT / "docs" / "contract.md").read_text()
README = (ROOT / "README.md").read_text()


def _package(service: str) -> Path:
    [package] = [
        p for p in (ROOT / "services" / service / "src").iterdir() if p.is_dir() and p.name != "__pycache__"
    ]
    return package


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_shape_the_readme_describes(service: str) -> None:
    package = _package(service)

    assert (package / "settings.py").is_file()
    assert (package / "bootstrap.py").is_file()
    assert (package / "api" / "app.py").is_file()


@pytest.mark.parametrize("service", SERVICES)
def test_only_bootstrap_builds_the_service_and_routes_never_reach_a_store(service: str) -> None:
    package = _package(service)
    for module in package.rglob("*.py"):
        source = module.read_text()
        if "handlers" in module.parts or "events" in module.parts:
            assert f"{package.name}.bootstrap" not in source, module
        if "routes" in module.parts:
            assert f"{package.name}.store" not in source, module


def test_every_endpoint_of_the_original_table_goes_to_its_owner() -> None:
    table = CONTRACT.split("## The original specification", 1)[1].split("\n\n", 2)[1]
    rows = [line.split("|")[1:5] for line in table.splitlines() if line.startswith("| ") and "/api/" in line]

    assert len(rows) == 13
    for _method, path, owner, _notes in rows:
        concrete = re.sub(r":\w+", "1", path.strip().split("?")[0])
        assert owner_of(concrete) == owner.strip(), path


def test_the_close_codes_in_the_contract_are_the_ones_the_rooms_use() -> None:
    section = CONTRACT.split("## Live room close codes", 1)[1]
    documented = {int(code) for code in re.findall(r"^\| (\d{4}) \|", section, flags=re.MULTILINE)}

    assert documented == {code.value for code in CloseCode}


def test_the_relative_links_of_the_readme_and_docs_lead_somewhere() -> None:
    for document in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", document.read_text()):
            assert (document.parent / target).exists(), f"{document.name} links {target}"


def test_every_recipe_the_readme_lists_exists() -> None:
    listed = subprocess.run(
        ["just", "--summary"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    table = README.split("| recipe | what it does |", 1)[1].split("\n\n", 1)[0]
    named = {
        name
        for cell in re.findall(r"^\| (.+?) \|", table, flags=re.MULTILINE)
        for name in re.findall(r"`(\w[\w-]*)", cell)
    }

    assert named
    assert named <= set(listed), named - set(listed)
