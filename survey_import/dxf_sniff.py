"""Look at a file before ezdxf does: is it a DXF at all, which version, which text encoding.

ezdxf fills a missing HEADER with its own defaults ($INSUNITS 6, $ACADVER AC1009), so what the
file *declares* has to be read from the raw tags; and a DWG or a PDF must be turned away with a
message a surveyor understands instead of a parser error.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from pathlib import Path

LOGGER = logging.getLogger(__name__)

__all__ = [
    "ASCII_CODECS",
    "BINARY_SENTINEL",
    "RawHeader",
    "UnreadableDrawing",
    "choose_encoding",
    "codepage_to_encoding",
    "decodes_strictly",
    "sniff_file",
]

BINARY_SENTINEL = b"AutoCAD Binary DXF\r\n\x1a\x00"
_HEAD_BYTES = 1 << 16
_DWG_MAGIC = re.compile(rb"^AC[12]\d{3}")
_SUBCLASS_MARKER = re.compile(rb"\n[ \t]*100[ \t]*\r?\nAcDb")
_DWG_RELEASES = {
    "AC1012": "R13",
    "AC1014": "R14",
    "AC1015": "AutoCAD 2000",
    "AC1018": "AutoCAD 2004",
    "AC1021": "AutoCAD 2007",
    "AC1024": "AutoCAD 2010",
    "AC1027": "AutoCAD 2013",
    "AC1032": "AutoCAD 2018",
}
# $DWGCODEPAGE values seen in the wild that Python spells differently.
_CODEPAGES = {
    "ANSI_936": "gbk",
    "GB2312": "gbk",
    "GBK": "gbk",
    "GB18030": "gb18030",
    "ANSI_950": "big5",
    "BIG5": "big5",
    "ANSI_932": "cp932",
    "ANSI_949": "cp949",
    "ANSI_1361": "johab",
    "ANSI_874": "cp874",
    "UTF8": "utf-8",
    "UTF-8": "utf-8",
}


class UnreadableDrawing(Exception):
    """The file cannot be read as a drawing at all (exit 2); the message is for the surveyor."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class RawHeader:
    """Header values exactly as the file states them (None when the file does not say)."""

    binary: bool
    acadver: str | None = None
    dwgcodepage: str | None = None
    insunits: int | None = None
    has_header_section: bool = False
    has_subclass_markers: bool = False


def codepage_to_encoding(codepage: str | None) -> str | None:
    """Python codec for a $DWGCODEPAGE value, None when unknown or UNDEFINED."""
    if not codepage:
        return None
    name = codepage.strip().upper()
    if name in _CODEPAGES:
        return _CODEPAGES[name]
    match = re.fullmatch(r"(?:ANSI|DOS|CP|ISO)_?(\d{3,5})", name)
    if match:
        candidate = f"cp{match.group(1)}"
        try:
            return codecs.lookup(candidate).name
        except LookupError:
            return None
    return None


def sniff_file(path: Path) -> RawHeader:
    """Classify the file and read its declared header values; raise UnreadableDrawing if it is
    not a DXF (empty, DWG, other binary, or text that is not group-code/value pairs)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise UnreadableDrawing(
            "FILE_NOT_READABLE", f"无法读取文件 {path.name}: {exc.strerror}"
        ) from exc
    if size == 0 or not head.strip():
        raise UnreadableDrawing("EMPTY_FILE", f"文件 {path.name} 是空的，不是 DXF 图纸。")
    if head.startswith(BINARY_SENTINEL):
        return _binary_header(path)
    if _DWG_MAGIC.match(head):
        version = head[:6].decode("ascii", "replace")
        release = _DWG_RELEASES.get(version, version)
        raise UnreadableDrawing(
            "DWG_NOT_SUPPORTED",
            f"{path.name} 是 DWG 文件（{release}），不是 DXF：请在 CAD 软件中“另存为” DXF 后再导入"
            f" (this is a DWG file; save it as DXF and import that).",
        )
    text = head.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in text:
        raise UnreadableDrawing(
            "NOT_A_DXF", f"{path.name} 不是 DXF 图纸（二进制内容，且不是二进制 DXF）。"
        )
    if not _looks_like_tags(text):
        raise UnreadableDrawing(
            "NOT_A_DXF",
            f"{path.name} 不是 DXF 图纸：开头不是 DXF 的“组码/值”结构 (not a DXF file).",
        )
    return _ascii_header(path, text)


def _looks_like_tags(head: bytes) -> bool:
    lines = [ln.strip() for ln in head.splitlines()[:40]]
    while lines and not lines[0]:
        lines.pop(0)
    if len(lines) < 2:
        return False
    pairs = 0
    for code_line, value_line in zip(lines[0::2], lines[1::2], strict=False):
        if not re.fullmatch(rb"-?\d{1,4}", code_line):
            return False
        code = int(code_line)
        if code == 0 and not re.fullmatch(rb"[A-Za-z_][A-Za-z0-9_]*", value_line):
            return False
        pairs += 1
        if pairs >= 4:
            break
    return pairs >= 1 and lines[0] in (b"0", b"999") or pairs >= 4


def _ascii_header(path: Path, head: bytes) -> RawHeader:
    values: dict[str, str] = {}
    has_header = False
    with path.open("rb") as fh:
        in_header = False
        pending_var: str | None = None
        line_no = 0
        while True:
            code_line = fh.readline()
            value_line = fh.readline()
            line_no += 2
            if not code_line or not value_line or line_no > 200_000:
                break
            code = code_line.strip()
            value = value_line.strip().decode("latin-1")
            if code == b"2" and value == "HEADER":
                in_header = has_header = True
                continue
            if code == b"0" and value in ("ENDSEC", "EOF") and in_header:
                break
            if code == b"0" and value == "SECTION":
                continue
            if not in_header:
                if code == b"2" or (code == b"0" and value not in ("SECTION",)):
                    break
                continue
            if code == b"9":
                pending_var = value
            elif (
                pending_var in ("$ACADVER", "$DWGCODEPAGE", "$INSUNITS")
                and pending_var not in values
            ):
                values[pending_var] = value
    insunits: int | None = None
    if "$INSUNITS" in values:
        try:
            insunits = int(values["$INSUNITS"])
        except ValueError:
            insunits = None
    return RawHeader(
        binary=False,
        acadver=values.get("$ACADVER") or None,
        dwgcodepage=values.get("$DWGCODEPAGE") or None,
        insunits=insunits,
        has_header_section=has_header,
        has_subclass_markers=bool(_SUBCLASS_MARKER.search(head)),
    )


def _binary_header(path: Path) -> RawHeader:
    from ezdxf.lldxf.tagger import binary_tags_loader  # binary files are read by ezdxf anyway

    values: dict[str, object] = {}
    has_header = False
    try:
        data = path.read_bytes()
        pending: str | None = None
        in_header = False
        for tag in binary_tags_loader(data, errors="replace"):
            if tag.code == 2 and tag.value == "HEADER":
                in_header = has_header = True
            elif tag.code == 0 and tag.value == "ENDSEC" and in_header:
                break
            elif in_header and tag.code == 9:
                pending = str(tag.value)
            elif in_header and pending in ("$ACADVER", "$DWGCODEPAGE", "$INSUNITS"):
                values.setdefault(pending, tag.value)
            elif not in_header and tag.code == 2 and tag.value != "HEADER":
                break
    except Exception as exc:  # noqa: BLE001 - a damaged binary file is judged by ezdxf later
        LOGGER.debug("binary header scan stopped: %s", exc, exc_info=True)
    insunits = values.get("$INSUNITS")
    return RawHeader(
        binary=True,
        acadver=str(values["$ACADVER"]) if "$ACADVER" in values else None,
        dwgcodepage=str(values["$DWGCODEPAGE"]) if "$DWGCODEPAGE" in values else None,
        insunits=int(insunits) if isinstance(insunits, int) else None,
        has_header_section=has_header,
        has_subclass_markers=True,
    )


def choose_encoding(
    header: RawHeader, path: Path, override: str | None, *, checked: bool = True
) -> tuple[str, str, bool | None]:
    """Return (python codec, why, strict_ok) for the text of an ASCII DXF.

    R2007+ (AC1021 and later) is UTF-8 by specification whatever $DWGCODEPAGE says. Older files
    use their code page, unless the bytes are valid UTF-8 with non-ASCII text: tools that write
    UTF-8 under an ANSI_1252 header exist, and valid multi-byte UTF-8 practically never happens
    by accident in GBK, Big5 or a Windows code page. ``strict_ok`` is False when the chosen codec
    cannot decode every byte (the text will carry replacement characters); None when that
    would take decoding the whole file and ``checked`` is False (a reader that decodes every
    byte anyway finds it out).
    """

    def strict_ok(codec: str) -> bool | None:
        return decodes_strictly(path, codec) if checked else None

    if override:
        codec = codecs.lookup(override).name
        return codec, f"--encoding {override}", strict_ok(codec)
    if header.acadver and header.acadver >= "AC1021":
        return "utf-8", f"{header.acadver} (R2007+) 按规范为 UTF-8", strict_ok("utf-8")
    declared = codepage_to_encoding(header.dwgcodepage)
    utf8_state = _utf8_state(path)
    if utf8_state == "utf8-nonascii" and declared not in ("utf-8",):
        why = (
            f"文件声明 $DWGCODEPAGE={header.dwgcodepage}，但内容是有效的 UTF-8 多字节文本"
            if header.dwgcodepage
            else "文件未声明代码页，内容是有效的 UTF-8"
        )
        return "utf-8", why, True
    if declared:
        return declared, f"$DWGCODEPAGE={header.dwgcodepage}", strict_ok(declared)
    if header.dwgcodepage and header.dwgcodepage.upper() != "UNDEFINED":
        why = f"未知代码页 {header.dwgcodepage}，按 cp1252 读取"
    else:
        why = "文件未声明代码页，按 cp1252 读取"
    return "cp1252", why, strict_ok("cp1252")


def _utf8_state(path: Path) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    non_ascii = False
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                if _plain_ascii(chunk, decoder):
                    continue
                non_ascii = True
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "not-utf8"
    return "utf8-nonascii" if non_ascii else "ascii"


def decodes_strictly(path: Path, codec: str, start: int = 0, end: int | None = None) -> bool:
    """True when the file (its bytes from ``start`` to ``end``) decodes in ``codec`` without an
    error."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    ascii_safe = codecs.lookup(codec).name in ASCII_CODECS
    remaining = (path.stat().st_size if end is None else end) - start
    try:
        with path.open("rb") as fh:
            fh.seek(start)
            while remaining > 0 and (chunk := fh.read(min(1 << 22, remaining))):
                remaining -= len(chunk)
                if ascii_safe and _plain_ascii(chunk, decoder):
                    continue
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _plain_ascii(chunk: bytes, decoder: codecs.IncrementalDecoder) -> bool:
    """True when ``chunk`` is ASCII and the decoder holds no unfinished character: the chunk
    decodes as itself in every codec of ``ASCII_CODECS`` (a check ~50x faster than decoding)."""
    return chunk.isascii() and not decoder.getstate()[0]


ASCII_CODECS = frozenset(
    (
        "ascii",
        "utf-8",
        "gbk",
        "gb2312",
        "gb18030",
        "big5",
        "cp932",
        "cp949",
        "cp950",
        "shift_jis",
        "euc_kr",
        "iso8859-1",
        "cp874",
        *(f"cp{n}" for n in range(1250, 1259)),
    )
)
"""Codecs (``codecs.lookup(...).name``) without state in which every ASCII byte is that
character."""
