#!/usr/bin/env python3
"""Checks that every org.qemu.Display1 name the code uses exists in the
protocol description (protocols/org.qemu.Display1.xml).

usage: check_names.py PROTOCOL_XML SOURCE_DIR...

What counts as a use, in each .cpp/.hpp under the source folders:
- a string literal "org.qemu.Display1..." names an interface or an error;
- SD_BUS_METHOD / SD_BUS_PROPERTY / SD_BUS_SIGNAL("Name", "sig", ...) in a
  file that speaks org.qemu.Display1 declares a member: some interface must
  have a member of that name and signature;
- a Display1 interface (a literal, or a constant holding one) followed by
  "Member" literals in the same call names members of that interface;
- `name == "Prop"` in such a file reads a property: some interface must have
  it.
Exits 1 and lists every unknown name; 0 when all are known.
"""
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

PREFIX = "org.qemu.Display1"
# Interfaces of D-Bus itself that the code calls beside QEMU's.
STANDARD_MEMBERS = {"GetAll", "Get", "Set", "PropertiesChanged", "GetManagedObjects",
                    "Disconnected", "InterfacesAdded", "InterfacesRemoved"}


class Protocol:
    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.errors = {a.get("value") for a in root.findall("annotation")
                       if a.get("name") == "org.phyllome.Error"}
        self.interfaces = {}  # name -> {member: signature}
        for iface in root.findall("interface"):
            members = {}
            for method in iface.findall("method"):
                members[method.get("name")] = "".join(
                    a.get("type") for a in method.findall("arg")
                    if a.get("direction", "in") == "in")
            for prop in iface.findall("property"):
                members[prop.get("name")] = prop.get("type")
            for signal in iface.findall("signal"):
                members[signal.get("name")] = "".join(a.get("type") for a in signal.findall("arg"))
            self.interfaces[iface.get("name")] = members

    def has_member(self, name, signature=None):
        return any(name in m and (signature is None or m[name] == signature)
                   for m in self.interfaces.values())


LITERAL = re.compile(r'"(org\.qemu\.Display1[A-Za-z0-9_.]*)"')
CONSTANT = re.compile(r'\b(k\w+)\s*=\s*"(org\.qemu\.Display1[A-Za-z0-9_.]*)"')
DECLARED = re.compile(r'SD_BUS_(METHOD|PROPERTY|SIGNAL)\s*\(\s*"(\w+)"\s*,\s*"([^"]*)"')
PROPERTY_READ = re.compile(r'\bname\s*==\s*"([A-Z]\w*)"')
MEMBER = re.compile(r'"([A-Z]\w*)"')


def check_file(path, protocol):
    text = path.read_text(errors="replace")
    if PREFIX not in text:
        return []
    problems = []
    where = lambda pos: f"{path}:{text.count(chr(10), 0, pos) + 1}"

    for m in LITERAL.finditer(text):
        name = m.group(1)
        interface, _, member = name.rpartition(".")
        if member in protocol.interfaces.get(interface, {}):
            continue  # "Interface.Member", as in a recorded property change
        if name not in protocol.interfaces and name not in protocol.errors:
            problems.append(f"{where(m.start())}: unknown interface or error '{name}'")

    constants = {m.group(1): m.group(2) for m in CONSTANT.finditer(text)}
    for m in DECLARED.finditer(text):
        kind, name, signature = m.groups()
        if not protocol.has_member(name, signature):
            problems.append(f"{where(m.start())}: no member {name}({signature}) in any interface")

    # An interface reference followed by member literals, up to the end of
    # the call (the closing parenthesis or semicolon at the same depth).
    refs = [(m.start(), m.end(), m.group(1)) for m in LITERAL.finditer(text)]
    for name, value in constants.items():
        refs += [(m.start(), m.end(), value)
                 for m in re.finditer(r'\b' + re.escape(name) + r'\b(?:\.data\(\))?', text)]
    value_of = lambda ref: constants.get(ref, ref.strip('"'))
    for start, end, interface in refs:
        if interface not in protocol.interfaces:
            continue
        allowed = set(protocol.interfaces[interface])
        # `cond ? kA : kB`: the member may belong to either interface.
        after = re.match(r'(?:\.data\(\))?\s*:\s*(k\w+|"[^"]*")', text[end:])
        before = re.search(r'\?\s*(k\w+|"[^"]*")\s*:\s*$', text[max(0, start - 80):start])
        for other in (after, before):
            if other:
                allowed |= set(protocol.interfaces.get(value_of(other.group(1)), {}))
        depth, i = 0, end
        while i < len(text) and text[i] != ";" and depth >= 0:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        if text[end:end + 1] not in (",", " ", ".") or "=" in text[start - 3:start]:
            continue
        for member in MEMBER.finditer(text, end, i):
            if member.group(1) in STANDARD_MEMBERS:
                continue
            if member.group(1) not in allowed:
                problems.append(f"{where(member.start())}: {interface} has no member "
                                f"'{member.group(1)}'")

    for m in PROPERTY_READ.finditer(text):
        if not protocol.has_member(m.group(1)):
            problems.append(f"{where(m.start())}: no property '{m.group(1)}' in any interface")
    return problems


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    protocol = Protocol(argv[1])
    problems, files = [], 0
    for folder in argv[2:]:
        for path in sorted(pathlib.Path(folder).rglob("*")):
            if path.suffix in (".cpp", ".hpp"):
                files += 1
                problems += check_file(path, protocol)
    for p in problems:
        print(p)
    print(f"check_names: {files} files, {len(problems)} unknown names")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
