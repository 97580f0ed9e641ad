#!/usr/bin/env python3
"""Installs the build into a staging directory (meson install --destdir) and
checks what lands there: the binary where bindir says, the session entry in
wayland-sessions (valid by desktop-file-validate), and the three man pages
in mandir, each rendering with man(1) without a warning and documenting every
option (phyllome-session(1)) and every session file key (phyllome-session(5)).

Prints one line per problem and exits 1 if there is any. Exits 77 (skipped)
when everything else passed but the man pages were not built (no scdoc, or
-Dman=disabled)."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

problems: list[str] = []


def problem(text: str) -> None:
    problems.append(text)
    print(f"FAIL: {text}")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def staged(stage: Path, absolute: str) -> Path:
    """Where an absolute install path lands under the staging directory."""
    return stage / absolute.lstrip("/")


def check_binary(binary: Path, version: str) -> None:
    if not binary.is_file() or not os.access(binary, os.X_OK):
        problem(f"{binary} is not an executable file")
        return
    result = run([str(binary), "--version"])
    if result.returncode != 0 or not result.stdout.startswith(f"phyllome-session {version} "):
        problem(f"{binary} --version printed {result.stdout!r} (exit {result.returncode}), "
                f"expected 'phyllome-session {version} ...'")


def check_desktop_entry(entry: Path, validator: str, bindir: Path) -> None:
    if not entry.is_file():
        problem(f"{entry} is missing")
        return
    # desktop-file-validate (0.26, Debian 12) knows the Desktop Entry
    # specification only, not the DesktopNames key of session entries, which
    # display managers read to set XDG_CURRENT_DESKTOP (GNOME's and Plasma's
    # entries have it too). That one complaint is expected; any other line
    # is a problem.
    result = run([validator, str(entry)])
    known = (f'{entry}: error: file contains key "DesktopNames" in group "Desktop Entry", '
             'but keys extending the format should start with "X-"')
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if line.strip() and line != known]
    if complaints or result.returncode not in (0, 1) or \
            (result.returncode == 1 and known not in result.stdout + result.stderr):
        problem(f"desktop-file-validate {entry.name} (exit {result.returncode}): "
                f"{(result.stdout + result.stderr).strip()}")
    keys = {}
    for line in entry.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            keys[key.strip()] = value.strip()
    expected = {"Type": "Application", "Exec": "phyllome-session", "DesktopNames": "phyllome"}
    for key, value in expected.items():
        if keys.get(key) != value:
            problem(f"{entry.name}: {key} is {keys.get(key)!r}, expected {value!r}")
    for key in ("Name", "Comment"):
        if not keys.get(key):
            problem(f"{entry.name}: no {key}")
    program = keys.get("Exec", "").split(" ")[0]
    if program and not (bindir / program).is_file():
        problem(f"{entry.name}: Exec runs {program!r}, which is not installed in bindir")


def render(page: Path) -> str | None:
    """The page as man(1) shows it, or None (with the problem noted) when
    man fails or groff warns."""
    env = dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80", LC_ALL="C.UTF-8")
    # --warnings=w: every groff warning; they come on stderr.
    result = run(["man", "--warnings=w", "-l", str(page)], env=env)
    if result.returncode != 0 or result.stderr.strip():
        problem(f"man -l {page.name} (exit {result.returncode}): {result.stderr.strip()}")
        return None
    return result.stdout


def check_man_page(page: Path, title: str, words: list[str]) -> None:
    if not page.is_file():
        problem(f"{page} is missing")
        return
    text = render(page)
    if text is None:
        return
    if not text.startswith(title):
        problem(f"{page.name}: the first line is {text.splitlines()[0]!r}, "
                f"expected the title {title!r}")
    for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"):
        if not re.search(rf"^{heading}$", text, re.MULTILINE):
            problem(f"{page.name}: no {heading} section")
    # Formatting that scdoc did not take (an unescaped * or _) shows as
    # a stray marker or swallows text; a word missing shows both.
    # Join the lines back: a hyphen man added to break a word goes, one
    # that was there (--disk-size) stays.
    joined = re.sub(r"\u2010\n\s*", "", text)
    joined = re.sub(r"-\n\s*", "-", joined)
    flat = " ".join(joined.split())
    for word in words:
        if word not in flat:
            problem(f"{page.name} does not mention {word!r}")


def session_options(binary: Path) -> list[str]:
    """Every long option the session's --help lists."""
    result = run([str(binary), "--help"])
    return sorted(set(re.findall(r"(--[a-z][a-z-]+)", result.stdout)))


def session_file_keys(example: Path) -> list[str]:
    """Every table and key of the commented example session file."""
    data = tomllib.loads(example.read_text())
    words = []
    for table, content in data.items():
        rows = content if isinstance(content, list) else [content]
        words.append(f"[[{table}]]" if isinstance(content, list) else f"[{table}]")
        for row in rows:
            words += [key for key in row if key not in words]
    return words


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meson", required=True)
    parser.add_argument("--build-root", required=True)
    parser.add_argument("--bindir", required=True, help="absolute bindir")
    parser.add_argument("--datadir", required=True, help="absolute datadir")
    parser.add_argument("--mandir", required=True, help="absolute mandir")
    parser.add_argument("--version", required=True)
    parser.add_argument("--man-pages", choices=["built", "not-built"], required=True)
    parser.add_argument("--example", required=True, help="config/examples/session.toml")
    args = parser.parse_args()

    validator = shutil.which("desktop-file-validate")
    if validator is None:
        print("FAIL: desktop-file-validate not found (Debian package desktop-file-utils; "
              "tools/install-deps installs it)")
        return 1

    with tempfile.TemporaryDirectory(prefix="phyllome-install-") as directory:
        stage = Path(directory)
        result = run([args.meson, "install", "-C", args.build_root, "--no-rebuild",
                      "--quiet", "--destdir", str(stage)])
        if result.returncode != 0:
            print(f"FAIL: meson install --destdir failed (exit {result.returncode}):\n"
                  f"{result.stdout}{result.stderr}")
            return 1
        bindir = staged(stage, args.bindir)
        binary = bindir / "phyllome-session"
        check_binary(binary, args.version)
        check_desktop_entry(staged(stage, args.datadir) / "wayland-sessions" / "phyllome.desktop",
                            validator, bindir)
        mandir = staged(stage, args.mandir)
        if args.man_pages == "built":
            options = session_options(binary) if binary.is_file() else []
            if not options:
                problem("phyllome-session --help lists no option")
            check_man_page(mandir / "man1" / "phyllome-session.1", "phyllome-session(1)",
                           options + ["SIGHUP", "SIGTERM", "EXIT STATUS", "HOST KEYS",
                                      "WAYLAND_DISPLAY="])
            check_man_page(mandir / "man5" / "phyllome-session.5", "phyllome-session(5)",
                           session_file_keys(Path(args.example)))
            check_man_page(mandir / "man1" / "phyllomectl.1", "phyllomectl(1)",
                           ["status", "devices", "identify", "switch SEAT VM", "reload",
                            "vm start NAME", "vm shutdown NAME", "vm destroy NAME",
                            "vm adopt NAME", "vm create NAME", "--os", "--iso",
                            "--disk-size", "--memory", "--cpus", "doctor", "--json",
                            "--socket", "PHYLLOME_SOCKET", "XDG_RUNTIME_DIR"])
        elif mandir.exists() and any(mandir.rglob("phyllome*")):
            problem(f"man pages were installed in {mandir} although the build made none")

    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    if args.man_pages == "not-built":
        print("SKIP: the binary and the session entry are fine; the man pages were not "
              "built (scdoc not found, or -Dman=disabled), so they were not checked")
        return 77
    print("ok: binary, session entry and man pages installed and valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
