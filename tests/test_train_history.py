"""A progress report hands out the history without copying it (issue 22): a run's reports
cost the same at epoch 1,000 as at epoch 1, and each is still a snapshot."""

from lstm_core.config import DataConfig, ModelConfig, TrainConfig
from lstm_core.fitting.models import build_model
from lstm_core.fitting.train import EpochRecord, HistoryView, fit
from lstm_core.series.windows import make_dataset


class Walked(list):
    """A history that counts how often it is walked from end to end."""

    walks = 0

    def __iter__(self):
        Walked.walks += 1
        return super().__iter__()


def test_reports_do_not_walk_the_history_and_each_is_a_snapshot(sine):
    data = make_dataset(sine, DataConfig(look_back=10))
    model = build_model(ModelConfig(hidden_size=4), seed=0)
    earlier = Walked(EpochRecord(k, 1.0, 1.0 + k, 0.1) for k in range(1, 1001))
    seen: list[tuple[int, int, object]] = []
    Walked.walks = 0
    fit(model, data, TrainConfig(epochs=3, batch_size=16), history=earlier,
        callback=lambda p: seen.append((p.epoch, len(p.history), p.history)))  # fmt: skip
    assert len(seen) > 3 * 5  # reports inside each epoch and at its end
    assert Walked.walks <= 1  # once, to find the earlier best: never per report
    for epoch, n, history in seen:
        assert len(history) == n  # epochs appended later do not show in an earlier report
        assert n in (epoch - 1, epoch)  # before the epoch ends, then with it
        assert history[-1] is earlier[n - 1] and history[0].epoch == 1
    assert list(seen[-1][2]) == list(earlier) and len(earlier) == 1003


def test_a_history_view_reads_like_the_tuple_it_replaces():
    records = [EpochRecord(k, 0.5, 0.25, 0.1) for k in (1, 2, 3)]
    view = HistoryView(records)
    records.append(EpochRecord(4, 0.5, 0.25, 0.1))
    assert len(view) == 3 and view == tuple(records[:3]) and view[-1].epoch == 3
    assert view[1:] == tuple(records[1:3]) and [r.epoch for r in view] == [1, 2, 3]
    assert bool(HistoryView([])) is False
