"""The Cortex-M target runner (backends/cortexm/qemu): real models on the four emulated cores,
bit-exact with the kernel-level reference; exact and repeatable instruction counts; flash/RAM
figures recomputed from `arm-none-eabi-size -A`; every failure one line.

Needs arm-none-eabi-gcc, newlib-nano, qemu-system-arm and gcc (`make setup` installs them): a
missing tool fails these tests with the Debian package to install, it never skips them.
"""

from __future__ import annotations

import re
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

import edgeai
from edgeai.backends.cortexm.emit import default_name
from edgeai.backends.cortexm.qemu import runner as R
from edgeai.backends.cortexm.qemu.elf import read_elf
from edgeai.backends.cortexm.target import TARGETS, get_target
from edgeai.reference.interpreter import find_main, io_names
from edgeai.support.context import run_pipeline
from edgeai.support.errors import EdgeAIError
from tests.conftest import DIGITS_ONNX

FOLD = 'convert-onnx-to-nn,nn-optimize,nn-fold-qdq{rounding="tflite"},nn-optimize'
QDQ = {
    "kws": "kws_ref_model.onnx",
    "ad": "ad01_int8.onnx",
    "sww": "str_ww_ref_model.onnx",
}
STANDIN = R.QEMU_DIR / "test_data"
STANDIN_IO = [((8,), np.float32), ((8,), np.int8)]


@pytest.fixture(scope="module", autouse=True)
def toolchain():
    """The target toolchain; a missing piece fails (with its Debian package), never skips."""
    R.require_toolchain()


@pytest.fixture(scope="module")
def reference(models_dir):
    return np.load(models_dir / "mlperf_tiny" / "reference_outputs.npz")


def kernel_module(models_dir: Path, key: str):
    if key == "digits":
        return run_pipeline(
            edgeai.lower(edgeai.import_model(str(DIGITS_ONNX))), "convert-nn-to-kernel"
        )
    path = models_dir / "mlperf_tiny" / "onnx_qdq_tf2onnx" / QDQ[key]
    return run_pipeline(edgeai.import_model(str(path)), FOLD + ",convert-nn-to-kernel")


def one_line(e: pytest.ExceptionInfo) -> str:
    text = str(e.value)
    assert "\n" not in text, text
    return text


# ---------------------------------------------------------------------------------------------
# real models on every core


@pytest.mark.parametrize(
    "key, core",
    [
        ("kws", "cortex-m4"),
        ("ad", "cortex-m7"),
        ("digits", "cortex-m33"),
        ("sww", "cortex-m55"),
        ("kws", "cortex-m55"),
    ],
)
def test_model_on_target_matches_reference(key, core, models_dir, reference, digits_split):
    """The network built for the core and run under QEMU gives the kernel-level reference's
    outputs: bit for bit (int8, and then TFLite Micro's too), within 1e-4 relative (float)."""
    k = kernel_module(models_dir, key)
    f = find_main(k)
    name = io_names(f)[0][0]
    if key == "digits":
        shape = f.args[0].type.get_shape()
        x = np.asarray(digits_split[2][:1], dtype=np.float32).reshape(shape)
    else:
        x = reference[f"{key}_x"][0:1]
    want = next(iter(edgeai.run(k, {name: x}).values()))
    r = R.run_network(k, core, [x])
    (got,) = r.outputs
    got = got.reshape(want.shape)
    if key == "digits":
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
        assert int(np.argmax(got)) == int(np.argmax(want)) == int(digits_split[3][0])
    else:
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got.reshape(-1), reference[f"{key}_y_tflm"][0].reshape(-1))
    assert r.instructions is not None and 0 < r.instructions < r.total_instructions
    assert 0 < r.stack_peak_bytes < r.stack_reserved_bytes
    net = default_name(k)
    assert r.layers and all(fn.startswith(f"{net}_l") and impl for fn, impl in r.layers)
    assert set(r.timings) == {"emit", "build", "run"}


def test_standin_network_two_inputs_two_outputs(tmp_path):
    """The hand-written stand-in network (test_data/standin.c) against its NumPy formula: two
    inputs and two outputs of different types pass through the harness in order."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal(16).astype(np.float32)
    bias = rng.integers(-20, 20, 4).astype(np.int8)
    w = np.array(
        [[((7 * i + 3 * j) % 11 - 5) / 8 for j in range(16)] for i in range(8)], np.float32
    )
    b = (np.arange(8, dtype=np.float32) - 4) / 4
    y = np.maximum(w.astype(np.float64) @ x + b, 0).astype(np.float32)
    q = np.clip(np.floor(y * 4 + 0.5).astype(np.int32) + bias[np.arange(8) % 4], -128, 127)
    for core in ("cortex-m4", "cortex-m55"):
        r = R.build_and_run(
            [STANDIN / "standin.c"], [STANDIN], core, "net", [x, bias], STANDIN_IO, "standin"
        )
        np.testing.assert_allclose(r.outputs[0], y, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(r.outputs[1], q.astype(np.int8))


# ---------------------------------------------------------------------------------------------
# instruction counts

LOOP_C = """
#include "standin.h"
#define STR2(x) #x
#define STR(x) STR2(x)
/* NET_run is a counted loop: exactly 2 * LOOP_N + 3 instructions */
int standin_init(standin_ctx *ctx, void *arena) { ctx->acc = (float *)arena; return standin_OK; }
__attribute__((naked)) int standin_run(standin_ctx *ctx, const void *const inputs[],
                                       void *const outputs[])
{
    __asm__ volatile("ldr r3, =" STR(LOOP_N) "\\n"
                     "1: subs r3, r3, #1\\n"
                     "bne 1b\\n"
                     "movs r0, #0\\n"
                     "bx lr\\n"
                     ".ltorg\\n");
}
void standin_deinit(standin_ctx *ctx) { (void)ctx; }
"""


def _call_overhead(elf: Path) -> int:
    """Instructions of `main` strictly between the second `bl edgeai_marker_start` and the
    `bl edgeai_marker_stop` after it (argument set-up, the `bl` to NET_run, result move): what
    the runner's count adds to the body of NET_run."""
    dis = subprocess.run(
        ["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", str(elf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    main = dis[dis.index("<main>:") :].split("\n\n")[0].splitlines()[1:]
    insns = [ln for ln in main if re.match(r"\s*[0-9a-f]+:\s", ln)]
    starts = [i for i, ln in enumerate(insns) if "<edgeai_marker_start>" in ln]
    start = starts[1]
    stop = next(i for i in range(start, len(insns)) if "<edgeai_marker_stop>" in insns[i])
    between = insns[start + 1 : stop]
    assert sum("bl\t" in ln and "standin_run" in ln for ln in between) == 1
    assert not any(re.search(r"\s(b|b\.n|cb\w*|b\w\w(\.n|\.w)?)\s", ln) for ln in between)
    return len(between)


@pytest.mark.parametrize("core", ["cortex-m4", "cortex-m33", "cortex-m55"])
def test_instruction_count_is_exact_and_repeatable(core, tmp_path):
    """A NET_run of exactly 2N+3 instructions is counted as that plus the call's own set-up
    (read from the disassembly): the empty marker pair is subtracted right. The same image
    counts the same twice, per translation block and per instruction alike."""
    src = tmp_path / "loop.c"
    src.write_text(LOOP_C)
    counts = {}
    for n in (10, 1000):
        image = R.build_image(
            [src],
            [STANDIN],
            core,
            "net",
            [np.zeros(16, np.float32), np.zeros(4, np.int8)],
            STANDIN_IO,
            "standin",
            workdir=tmp_path / f"n{n}",
            extra_cflags=[f"-DLOOP_N={n}"],
        )
        runs = [R.run_image(image), R.run_image(image), R.run_image(image, count_mode="insn")]
        assert len({r.instructions for r in runs}) == 1
        assert len({r.total_instructions for r in runs}) == 1
        counts[n] = runs[0].instructions
        assert counts[n] == 2 * n + 3 + _call_overhead(image.elf)
    assert counts[1000] - counts[10] == 2 * 990


def test_model_count_repeatable_and_modes_agree(models_dir, reference, tmp_path):
    """A real network (AD, M4): two runs and the per-instruction mode give one count."""
    k = kernel_module(models_dir, "ad")
    x = reference["ad_x"][0:1]
    a = R.run_network(k, "cortex-m4", [x], workdir=tmp_path / "a")
    b = R.run_network(k, "cortex-m4", [x], workdir=tmp_path / "b")
    image = R.build_image(
        sorted((tmp_path / "a" / "src").glob("*.c")),
        [tmp_path / "a" / "src"],
        "cortex-m4",
        "net",
        [x.reshape(-1)],
        [(o.shape, o.dtype) for o in a.outputs],
        default_name(k),
        workdir=tmp_path / "c",
    )
    c = R.run_image(image, count_mode="insn")
    assert a.instructions == b.instructions == c.instructions
    assert a.total_instructions == b.total_instructions == c.total_instructions
    np.testing.assert_array_equal(a.outputs[0], c.outputs[0])


# ---------------------------------------------------------------------------------------------
# figures


def test_flash_and_ram_recomputed_from_size_tool(models_dir, reference, tmp_path):
    """flash = .vectors+.text+.rodata+.data, RAM = .data+.bss+.arena+stack peak, from
    `arm-none-eabi-size -A`; the harness' input and output buffers are in neither; the map
    file's contributors add up to the sections; the arena is the emitted network's."""
    from edgeai.backends.cortexm.emit import EmitOptions, Program

    k = kernel_module(models_dir, "kws")
    x = reference["kws_x"][0:1]
    r = R.run_network(k, "cortex-m7", [x], workdir=tmp_path)
    (elf,) = tmp_path.glob("*.elf")
    proc = subprocess.run(["arm-none-eabi-size", "-A", str(elf)], capture_output=True, text=True)
    size = {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^(\.\S+)\s+(\d+)\s+\d+$", proc.stdout, re.M)
    }
    flash = size.get(".vectors", 0) + size[".text"] + size[".rodata"] + size.get(".data", 0)
    static_ram = size.get(".data", 0) + size.get(".bss", 0) + size[".arena"]
    assert r.flash_bytes == flash
    assert r.ram_bytes == static_ram + r.stack_peak_bytes
    assert r.arena_bytes == size[".arena"]
    assert r.stack_reserved_bytes == size[".stack"] == get_target("cortex-m7").stack_bytes
    # harness buffers: inputs in .testdata (flash, excluded), outputs in .testbuf (RAM, excluded)
    assert size[".testdata"] >= x.nbytes and size[".testbuf"] >= r.outputs[0].nbytes
    program = Program(k, "kws", EmitOptions(cpu="cortex-m7"))
    assert program.arena_bytes <= r.arena_bytes < program.arena_bytes + 16
    # the map file's contributors account for every byte of each section
    for section, n in size.items():
        if section in r.sections:
            assert sum(p.get(section, 0) for p in r.flash_parts.values()) == n, section
    net = next(name for name in r.flash_parts if name.endswith("_weights"))
    assert r.flash_parts[net][".rodata"] >= sum(a.nbytes for a in program.flash_arrays) - 64
    assert r.flash_parts["harness"][".text"] < 2048


# ---------------------------------------------------------------------------------------------
# failures: one line each

FAULTY_C = """
#include "standin.h"
volatile int zero = 0;
int standin_init(standin_ctx *ctx, void *arena) { ctx->acc = (float *)arena; return standin_OK; }
static int deep(volatile int n)
{
    volatile char buf[256];
    buf[0] = (char)n;
    return n > 0 ? deep(n - 1) + buf[0] : 0;
}
int standin_run(standin_ctx *ctx, const void *const inputs[], void *const outputs[])
{
    (void)ctx; (void)inputs;
#if MODE == 1
    *(volatile int *)outputs[0] = 7 / zero;
#elif MODE == 2
    *(volatile int *)outputs[0] = *(volatile int *)0x5FFFFFF0u;
#elif MODE == 3
    for (;;) { __asm__ volatile(""); }
#elif MODE == 4
    return standin_ERR_STATE;
#elif MODE == 5
    *(volatile int *)outputs[0] = deep(100000);
#endif
    return standin_OK;
}
void standin_deinit(standin_ctx *ctx) { (void)ctx; }
"""


@pytest.mark.parametrize(
    "core, mode, pattern",
    [
        (
            "cortex-m4",
            1,
            r"UsageFault on the target: integer division by zero \(DIVBYZERO\) at PC 0x\w+ "
            r"in standin_run\(\)",
        ),
        (
            "cortex-m55",
            2,
            r"BusFault on the target: precise data bus error \(PRECISERR\), address 0x5ffffff0 "
            r"at PC 0x\w+ in standin_run\(\)",
        ),
        ("cortex-m7", 3, r"timed out after 2 s"),
        ("cortex-m33", 4, r"standin_run\(\) returned -3 \(standin_ERR_STATE\)"),
        ("cortex-m4", 5, r"MemManage fault .*stack overflow \(more than the 4096 bytes reserved\)"),
        ("cortex-m33", 5, r"UsageFault .*STKOF.*stack overflow .* in deep\(\)"),
    ],
)
def test_failures_on_the_target_are_one_line(core, mode, pattern, tmp_path):
    """A fault names itself, its cause and the function at the PC; a stack overflow is caught
    on v7-M (MPU guard) and v8-M (MSPLIM); a hang times out; an error status is decoded."""
    src = tmp_path / "faulty.c"
    src.write_text(FAULTY_C)
    with pytest.raises(EdgeAIError) as e:
        R.build_and_run(
            [src],
            [STANDIN],
            core,
            "net",
            [np.zeros(16, np.float32), np.zeros(4, np.int8)],
            STANDIN_IO,
            "standin",
            extra_cflags=[f"-DMODE={mode}"],
            stack_bytes=4096,
            timeout=2,
        )
    text = one_line(e)
    assert text.startswith(f"QEMU run of standin on {core} ({TARGETS[core].qemu_machine})")
    assert re.search(pattern, text), text


def test_build_failures_are_one_line(tmp_path):
    """A compile error gives its first error line with the file; a link error the undefined
    symbol; an unknown core or harness, a bad name or a missing file say so."""
    bad = tmp_path / "bad.c"
    bad.write_text(
        '#include "standin.h"\nint standin_init(standin_ctx *c, void *a) { return x; }\n'
    )
    args = ([np.zeros(16, np.float32), np.zeros(4, np.int8)], STANDIN_IO, "standin")
    with pytest.raises(EdgeAIError) as e:
        R.build_image([bad], [STANDIN], "cortex-m4", "net", *args)
    assert re.search(
        r"target compilation of bad.c failed: .*bad.c:2:\d+: error: 'x' undeclared", one_line(e)
    )
    half = tmp_path / "half.c"
    half.write_text(
        '#include "standin.h"\nint standin_init(standin_ctx *c, void *a) { (void)c; (void)a; return 0; }\n'
    )
    with pytest.raises(EdgeAIError) as e:
        R.build_image([half], [STANDIN], "cortex-m55", "net", *args)
    assert re.search(
        r"linking the cortex-m55 image of standin failed: .*undefined reference to `standin_run'",
        one_line(e),
    )
    with pytest.raises(EdgeAIError, match="unknown Cortex-M target 'cortex-m9'"):
        R.build_image([half], [STANDIN], "cortex-m9", "net", *args)
    with pytest.raises(EdgeAIError, match="unknown harness kind 'tflm'"):
        R.build_image([half], [STANDIN], "m4", "tflm", *args)
    with pytest.raises(EdgeAIError, match="not a C identifier"):
        R.build_image([half], [STANDIN], "m4", "net", args[0], args[1], "9lives")
    with pytest.raises(EdgeAIError, match="C source .*nothing.c' not found"):
        R.build_image([tmp_path / "nothing.c"], [STANDIN], "m4", "net", *args)


@pytest.mark.parametrize(
    "tool, package",
    [
        ("arm-none-eabi-gcc", "gcc-arm-none-eabi"),
        ("qemu-system-arm", "qemu-system-arm"),
        ("gcc", "gcc"),
    ],
)
def test_missing_tool_names_the_debian_package(tool, package, monkeypatch, tmp_path):
    """With one tool off the PATH, the runner says which and the Debian package to install."""
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for t in ("arm-none-eabi-gcc", "qemu-system-arm", "gcc"):
        if t != tool:
            (bin_dir / t).symlink_to(shutil.which(t))
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(EdgeAIError) as e:
        R.require_toolchain()
    assert one_line(e).startswith(f"{tool} not found: install the Debian package {package} ")


def test_missing_newlib_names_the_debian_package(monkeypatch, tmp_path):
    """An Arm compiler without newlib-nano (no nano.specs) names libnewlib-arm-none-eabi."""
    fake = tmp_path / "bin" / "arm-none-eabi-gcc"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "${1#-print-file-name=}"\n')  # gcc's answer when not found
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    with pytest.raises(EdgeAIError) as e:
        R.require_toolchain()
    assert "install the Debian package libnewlib-arm-none-eabi" in one_line(e)


def test_plugin_cache_parallel_atomic(monkeypatch, tmp_path):
    """Several processes building the plugin at once into an empty cache all get the same,
    complete library and leave no temporary file behind."""
    monkeypatch.setenv("EDGEAI_CACHE", str(tmp_path / "cache"))
    libs: list[Path] = []
    errors: list[BaseException] = []

    def build():
        try:
            libs.append(R.plugin_library())
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(libs)) == 1
    (lib,) = set(libs)
    assert lib.is_file() and lib.read_bytes()[:4] == b"\x7fELF"
    assert lib.parent.parent.parent == tmp_path / "cache"
    assert [p.name for p in lib.parent.iterdir()] == ["insn_count.so"]


def test_elf_reader_agrees_with_binutils(tmp_path):
    """Section sizes and function symbols of our ELF reader equal arm-none-eabi-size/nm's."""
    r = R.build_image(
        [STANDIN / "standin.c"],
        [STANDIN],
        "cortex-m33",
        "net",
        [np.zeros(16, np.float32), np.zeros(4, np.int8)],
        STANDIN_IO,
        "standin",
        workdir=tmp_path,
    )
    image = read_elf(r.elf)
    nm = subprocess.run(["arm-none-eabi-nm", "-S", str(r.elf)], capture_output=True, text=True)
    for line in nm.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "Tt":
            sym = image.symbols[parts[3]]
            assert (sym.value & ~1, sym.size) == (int(parts[0], 16), int(parts[1], 16))
            assert image.function_at((sym.value & ~1) + sym.size - 1) == sym.name
    assert image.function_at(image.symbols["standin_run"].value + 2) == "standin_run"
