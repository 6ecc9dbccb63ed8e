"""Just enough of ELF32 (little-endian, as arm-none-eabi writes it) to read section sizes and
symbol addresses of a linked image, without binutils or a third-party package."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from edgeai.support.errors import EdgeAIError

__all__ = ["Section", "Symbol", "ElfImage", "read_elf"]

SHT_SYMTAB = 2
SHT_NOBITS = 8
SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4


@dataclass(frozen=True)
class Section:
    """One section header: name, type, flags, address, size, load address (LMA)."""

    name: str
    type: int
    flags: int
    address: int
    size: int
    load_address: int

    @property
    def alloc(self) -> bool:
        """Occupies memory in the running image."""
        return bool(self.flags & SHF_ALLOC)

    @property
    def nobits(self) -> bool:
        """Takes no room in the file (`.bss`-like: zeroed or left as is at boot)."""
        return self.type == SHT_NOBITS


STT_FUNC = 2


@dataclass(frozen=True)
class Symbol:
    """A symbol-table entry (functions keep the Thumb bit in `value`); `kind` is its type
    (`STT_FUNC` = 2 for functions)."""

    name: str
    value: int
    size: int
    kind: int = 0

    @property
    def is_function(self) -> bool:
        """A function symbol."""
        return self.kind == STT_FUNC


@dataclass(frozen=True)
class ElfImage:
    """Sections and symbols of an ELF file."""

    sections: dict[str, Section]
    symbols: dict[str, Symbol]
    #: every function symbol, local ones of the same name in several objects included
    functions: tuple[Symbol, ...] = ()

    def size(self, name: str) -> int:
        """The size of section `name`, 0 when the image has none."""
        s = self.sections.get(name)
        return s.size if s is not None else 0

    def function_at(self, address: int) -> str | None:
        """The name of the function whose code holds `address` (Thumb bit ignored), if any."""
        address &= ~1
        for sym in self.functions:
            start = sym.value & ~1
            if start <= address < start + max(sym.size, 1):
                return sym.name
        return None


def read_elf(path: Path) -> ElfImage:
    """Section headers and symbols of a 32-bit little-endian ELF file."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise EdgeAIError(f"{path}: not a 32-bit little-endian ELF file")
    (e_phoff, e_shoff) = struct.unpack_from("<II", data, 0x1C)
    (e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx) = struct.unpack_from(
        "<HHHHH", data, 0x2A
    )
    headers = [
        struct.unpack_from("<IIIIIIIIII", data, e_shoff + i * e_shentsize) for i in range(e_shnum)
    ]
    strtab = headers[e_shstrndx]

    def name_at(table: tuple[int, ...], offset: int) -> str:
        start = table[4] + offset
        return data[start : data.index(b"\0", start)].decode()

    # program headers give the load address of sections placed `AT >` another region
    segments = [
        struct.unpack_from("<IIIIIIII", data, e_phoff + i * e_phentsize) for i in range(e_phnum)
    ]

    def lma(h: tuple[int, ...]) -> int:
        if h[1] == SHT_NOBITS:
            return h[3]
        for seg in segments:
            p_type, p_offset, p_vaddr, p_paddr, p_filesz = seg[:5]
            if p_type == 1 and p_offset <= h[4] < p_offset + max(p_filesz, 1):
                return p_paddr + (h[4] - p_offset)
        return h[3]

    sections: dict[str, Section] = {}
    symbols: dict[str, Symbol] = {}
    functions: list[Symbol] = []
    for h in headers[1:]:
        name = name_at(strtab, h[0])
        sections[name] = Section(name, h[1], h[2], h[3], h[5], lma(h))
        if h[1] == SHT_SYMTAB:
            names = headers[h[6]]
            for k in range(h[5] // 16):
                st_name, st_value, st_size, info, _other, _shndx = struct.unpack_from(
                    "<IIIBBH", data, h[4] + k * 16
                )
                if st_name:
                    sym = Symbol(name_at(names, st_name), st_value, st_size, info & 0xF)
                    symbols[sym.name] = sym
                    if sym.is_function:
                        functions.append(sym)
    return ElfImage(sections, symbols, tuple(functions))
