"""Reads the feature file `quantflow features` writes (features.arrow + manifest.json): the
feature matrix as float32 (what LightGBM and the ONNX graph both see), the target, the times."""
import hashlib
import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from . import TrainInputError


class FeatureData:
    def __init__(self, manifest, sha256, x32, y, time_ns, features, path):
        self.manifest = manifest
        self.sha256 = sha256
        self.x32 = x32
        self.y = y
        self.time_ns = time_ns
        self.features = features
        self.path = path


def load_feature_data(directory, features, target):
    manifest_path = os.path.join(directory, "manifest.json")
    try:
        with open(manifest_path, "r", encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as error:
        raise TrainInputError(f"{manifest_path}: cannot read the manifest ({error})")
    path = os.path.join(directory, manifest.get("file", "features.arrow"))
    with open(path, "rb") as f:
        data = f.read()
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 != manifest.get("sha256"):
        raise TrainInputError(f"{path}: sha256 must be {manifest.get('sha256')} (manifest.json `sha256`), was {sha256}")
    table = ipc.open_file(pa.BufferReader(data)).read_all()
    names = set(table.column_names)
    for name in [*features, target, "time_ns"]:
        if name not in names:
            raise TrainInputError(f"{path}: column `{name}` is missing (columns: {', '.join(table.column_names)})")
    x = np.column_stack([table.column(name).to_numpy(zero_copy_only=False).astype(np.float64) for name in features])
    # LightGBM trains and predicts on exactly the float32 values the ONNX graph receives.
    x32 = x.astype(np.float32)
    y = table.column(target).to_numpy(zero_copy_only=False).astype(np.float64)
    time_ns = table.column("time_ns").to_numpy().astype(np.int64)
    return FeatureData(manifest, sha256, x32, y, time_ns, list(features), path)


def rows_of(runs):
    """Row indices of half-open runs [[start, end), ...]."""
    if not runs:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in runs])
