"""quantflow_train: LightGBM quantile models (q10, q25, q50, q75, q90) per walk-forward fold,
exported to one ONNX graph per fold with a single float32 input [N, F] and a [N, 5] output.

Driven by `quantflow train` (engine/cli/commands/train.ts), which computes the purged folds and
writes a plan; run as `python -m quantflow_train --plan PLAN.json`. See tools/train/README.md.
"""

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
MODEL_SCHEMA = "quantflow.quantile-model/1"
PLAN_SCHEMA = "quantflow.train-plan/1"


class TrainInputError(Exception):
    """Bad input (plan, feature file): printed as one line naming the file and field."""
