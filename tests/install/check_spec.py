#!/usr/bin/env python3
"""Checks packaging/phyllome-session.spec against the build:
- rpmspec parses it, and its Name and Version are the meson project's;
- every pkg-config dependency() of the meson.build files is a BuildRequires,
  with the same version bounds, and so is every program meson requires;
- its %files list, expanded with this build's directories, matches exactly
  what meson installs (no file left out, no entry matching nothing; man
  pages only when this build makes them), and
  every %doc file exists in the source tree.

Prints one line per problem and exits 1 if there is any; exits 77 (skipped)
when rpmspec is not installed (Debian package rpm)."""
import argparse
import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

problems: list[str] = []


def problem(text: str) -> None:
    problems.append(text)
    print(f"FAIL: {text}")


def run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        problem(f"{' '.join(command)} failed (exit {result.returncode}): {result.stderr.strip()}")
        return ""
    return result.stdout


def meson_requirements(source_root: Path) -> tuple[dict[str, list[str]], list[str]]:
    """pkg-config dependencies with their version bounds, and programs
    found with find_program() without 'required:', in every meson.build."""
    dependencies: dict[str, list[str]] = {}
    programs: list[str] = []
    for build_file in sorted(source_root.rglob("meson.build")):
        # Skip hidden folders and build folders (any name: rpmbuild's is
        # redhat-linux-build), which have a meson-private folder.
        folders = build_file.relative_to(source_root).parents
        if any(folder.name.startswith(".") or (source_root / folder / "meson-private").is_dir()
               for folder in folders):
            continue
        text = build_file.read_text()
        for match in re.finditer(r"dependency\(((?:'[^']+',\s*)*'[^']+')([^)]*)\)", text):
            names = re.findall(r"'([^']+)'", match.group(1))
            arguments = match.group(2)
            if names == ["threads"]:  # the compiler's, not a package
                continue
            # A fallback (`if not x.found()` just above) is for other
            # systems than the spec's: the first choice is what it needs.
            before = text[:match.start()].rstrip().splitlines()[-2:]
            if any(re.match(r"\s*if not \w+\.found\(\)", line) for line in before):
                continue
            bounds = []
            version = re.search(r"version:\s*(\[[^\]]*\]|'[^']*')", arguments)
            if version:
                bounds = re.findall(r"'([^']*)'", version.group(1))
            # Several names are alternatives: any one satisfies it.
            key = " or ".join(names)
            dependencies.setdefault(key, [])
            dependencies[key] += [b for b in bounds if b not in dependencies[key]]
        # A path is a script of this source tree, not a package's program.
        programs += [program for program in re.findall(r"find_program\('([^']+)'\)", text)
                     if "/" not in program]
    return dependencies, programs


def check_build_requires(spec: Path, source_root: Path) -> None:
    requires = run(["rpmspec", "-q", "--buildrequires", str(spec)]).splitlines()
    if not requires:
        return
    dependencies, programs = meson_requirements(source_root)
    for name, bounds in dependencies.items():
        alternatives = name.split(" or ")
        lines = [line for line in requires
                 if any(f"pkgconfig({alternative})" in line for alternative in alternatives)]
        if not lines:
            problem(f"no BuildRequires for pkgconfig({name}), a dependency of meson.build")
            continue
        for bound in bounds:
            op, version = re.match(r"\s*([<>=!]+)\s*(.*)", bound).groups()
            wanted = f"pkgconfig({name}) {op} {version}"
            if not any(wanted in line for line in lines):
                problem(f"BuildRequires for pkgconfig({name}) lacks meson's bound "
                        f"'{bound}' (expected '{wanted}')")
    names = {line.split()[0].strip("()") for line in requires}
    # A program may be required by its path (a file dependency, as Fedora
    # writes one for a program whose package has another name).
    names |= {name.rsplit("/", 1)[1] for name in names if name.startswith("/")}
    for program in programs + ["scdoc"]:
        if program not in names:
            problem(f"no BuildRequires for {program}, a program meson requires")


def files_section(parsed: str) -> list[str]:
    """The lines of the main %files section of a parsed spec."""
    lines, inside = [], False
    for line in parsed.splitlines():
        if re.match(r"%files\b", line):
            inside = True
            continue
        if inside and re.match(r"%(changelog|package|description|files|pre|post)\b", line):
            break
        if inside and line.strip() and not line.startswith("#"):
            lines.append(line.strip())
    return lines


def check_files(spec: Path, source_root: Path, build_root: Path, meson: str,
                directories: dict[str, str], man_pages_built: bool) -> None:
    defines = []
    for macro, path in directories.items():
        defines += ["--define", f"{macro} {path}"]
    parsed = run(["rpmspec", "-P", *defines, str(spec)])
    if not parsed:
        return
    entries = []
    for line in files_section(parsed):
        if line.startswith(("%doc", "%license")):
            for document in line.split()[1:]:
                if not (source_root / document).is_file():
                    problem(f"%files: {line.split()[0]} {document} is not in the source tree")
            continue
        # %attr(...), %config(...), %dir ...: the path is the last word.
        entries.append(line.split()[-1])

    installed = json.loads(run([meson, "introspect", "--installed", str(build_root)]) or "{}")
    installed_paths = sorted(set(installed.values()))
    if not installed_paths:
        problem("meson introspect --installed lists nothing")
        return
    for path in installed_paths:
        if not any(fnmatch.fnmatchcase(path, entry) for entry in entries):
            problem(f"meson installs {path}, which %files does not list")
    for entry in entries:
        if not man_pages_built and entry.startswith(directories["_mandir"] + "/"):
            continue  # the spec builds with -Dman=enabled; this build has none
        if not any(fnmatch.fnmatchcase(path, entry) for path in installed_paths):
            problem(f"%files lists {entry}, which meson does not install")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    parser.add_argument("--source-root", required=True)
    parser.add_argument("--build-root", required=True)
    parser.add_argument("--meson", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--bindir", required=True, help="absolute bindir")
    parser.add_argument("--datadir", required=True, help="absolute datadir")
    parser.add_argument("--mandir", required=True, help="absolute mandir")
    parser.add_argument("--man-pages", choices=["built", "not-built"], required=True)
    args = parser.parse_args()

    if shutil.which("rpmspec") is None:
        print("SKIP: rpmspec not found (Debian package rpm; tools/install-deps installs it), "
              "so packaging/phyllome-session.spec was not checked")
        return 77

    spec = Path(args.spec)
    source_root = Path(args.source_root)
    identity = run(["rpmspec", "-q", "--srpm", "--qf", "%{NAME} %{VERSION}\n", str(spec)])
    if identity and identity.strip() != f"phyllome-session {args.version}":
        problem(f"the spec builds {identity.strip()!r}, meson.build says "
                f"'phyllome-session {args.version}'")
    check_build_requires(spec, source_root)
    check_files(spec, source_root, Path(args.build_root), args.meson, {
        "_prefix": args.prefix, "_bindir": args.bindir,
        "_datadir": args.datadir, "_mandir": args.mandir}, args.man_pages == "built")

    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print("ok: the spec parses, requires what meson.build does, and lists what meson installs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
