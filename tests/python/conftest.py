"""Paths for the Python tests (CTest sets them; sw/python/README.md)."""
import os

import pytest

SRC = os.environ.get("SPIKETLM_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.environ.get("SPIKETLM_BINARY_DIR", os.path.join(SRC, "build"))


@pytest.fixture
def paths():
    class P:
        src, bin = SRC, BIN
        cli = os.path.join(BIN, "spiketlm")
        sata = os.path.join(SRC, "platforms", "sata", "sata.yaml")
        spikeflow = os.path.join(SRC, "platforms", "spikeflow", "spikeflow.yaml")
        fmnist = os.path.join(SRC, "traces", "fmnist_snn")
    return P
