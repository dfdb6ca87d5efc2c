import io
import os
import pickle

import numpy as np
import pytest
import torch

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.evaluation.forecast import predict
from lstm_core.fitting.bundle import BundleError, bundle_bytes, load_bundle, save_bundle
from lstm_core.fitting.pipeline import dataset_for, start_run, train_run

NOT_OURS = (
    "This is not a model file saved by LSTM Explorer (it is corrupt or of another kind): "
    "choose a .pt file downloaded from the Export page or written by `python -m lstm_core train`."
)
UNSAFE = (
    "This file would run code when loaded, so it was refused: only model files saved by "
    "LSTM Explorer (plain weights and settings) can be opened."
)


@pytest.fixture
def trained(sine):
    b, data = start_run(
        sine,
        "wave",
        DataConfig(look_back=8, transform="none"),
        ModelConfig("lstm", 6, 2),
        TrainConfig(epochs=2),
    )
    train_run(b, data)
    return b, data


def test_round_trip_keeps_everything(trained, tmp_path):
    b, data = trained
    path = tmp_path / "m.pt"
    save_bundle(b, path)
    b2 = load_bundle(path)
    assert b2.model_config == b.model_config and b2.data_config == b.data_config
    assert b2.train_config == b.train_config and b2.scaler == b.scaler
    assert b2.column == "wave" and b2.n_points == 200 and b2.split == b.split
    assert b2.history == b.history and len(b2.history) == 2
    assert b2.versions["torch"] == torch.__version__
    np.testing.assert_array_equal(predict(b2.model, dataset_for(b2, data.values)),
                                  predict(b.model, data))  # fmt: skip
    assert load_bundle(bundle_bytes(b)).history == b.history


def test_file_is_a_plain_weights_only_dict_with_pytorch_names(trained, tmp_path):
    b, _ = trained
    save_bundle(b, tmp_path / "m.pt")
    d = torch.load(tmp_path / "m.pt", weights_only=True)
    sd = d["state_dict"]
    for k in ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l1"):
        assert k in sd
    assert sd["rnn.weight_ih_l0"].shape == (4 * 6, 1)
    assert d["scaler"]["kind"] == "minmax" and d["column"] == "wave"


class Evil:
    def __reduce__(self):
        return (os.system, (f"touch {Evil.marker}",))


def test_a_pickle_that_runs_code_is_refused(tmp_path):
    Evil.marker = tmp_path / "pwned"
    buf = io.BytesIO()
    torch.save({"format": "lstm-explorer-model", "x": Evil()}, buf)
    with pytest.raises(BundleError) as e:
        load_bundle(buf.getvalue())
    assert str(e.value) == UNSAFE
    raw = pickle.dumps(Evil())  # a bare pickle, not even a torch zip
    with pytest.raises(BundleError) as e:
        load_bundle(raw)
    assert str(e.value) == UNSAFE
    assert not Evil.marker.exists()


@pytest.mark.parametrize(
    "payload",
    [b"\x89PNG\r\n\x1a\n" + bytes(range(256)), b"not a model at all", b"PK\x03\x04broken"],
)
def test_corrupt_and_foreign_files_are_refused(payload):
    with pytest.raises(BundleError) as e:
        load_bundle(payload)
    assert str(e.value) == NOT_OURS


def test_foreign_torch_file_and_truncated_file(trained):
    buf = io.BytesIO()
    torch.save({"weights": torch.zeros(3)}, buf)
    with pytest.raises(BundleError) as e:
        load_bundle(buf.getvalue())
    assert str(e.value) == NOT_OURS
    good = bundle_bytes(trained[0])
    with pytest.raises(BundleError) as e:
        load_bundle(good[: len(good) // 2])
    assert str(e.value) == NOT_OURS
    with pytest.raises(BundleError, match="empty"):
        load_bundle(b"")


def test_mismatched_weights_and_bad_settings(trained):
    b, _ = trained
    d = b.to_dict()
    d["state_dict"]["rnn.weight_hh_l0"] = torch.zeros(3, 3)
    buf = io.BytesIO()
    torch.save(d, buf)
    with pytest.raises(BundleError) as e:
        load_bundle(buf.getvalue())
    assert str(e.value) == "The model file is damaged: its settings or weights do not fit together."
    d = b.to_dict()
    d["model_config"]["hidden_size"] = 100_000
    buf = io.BytesIO()
    torch.save(d, buf)
    with pytest.raises(BundleError) as e:
        load_bundle(buf.getvalue())
    assert str(e.value).startswith("The model file has an invalid setting: hidden_size must be")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(BundleError) as e:
        load_bundle(tmp_path / "nope.pt")
    assert str(e.value) == (  # walk 10: the message did not name the file
        f"Cannot read the model file {str(tmp_path / 'nope.pt')!r}: No such file or directory."
    )
