"""Deterministic ids and random streams: one set per engine.

The same seed and the same calls give the same task ids, deployment ids and container instance
ids, so notebooks, diagrams and tests replay byte for byte.

Every consumer of randomness draws from its own named stream (``RandomStreams``): ids, random
placement, runtime timings and load models each have one, derived from the seed and the
stream's name. A new consumer therefore never shifts the ids or placements of an existing seed.
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["ACCOUNT", "REGION", "STREAMS", "IdFactory", "RandomStreams"]

REGION = "us-east-1"
ACCOUNT = "123456789012"


#: The named streams an engine has. Add a name here for a new consumer; never reorder.
STREAMS = ("ids", "placement", "runtime", "load")


class RandomStreams:
    """Independent seeded generators, one per consumer, derived from ``(seed, name)``."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def __getitem__(self, name: str) -> random.Random:
        rng = self._streams.get(name)
        if rng is None:
            rng = self._streams[name] = random.Random(f"ecsedu:{self.seed}:{name}")
        return rng

    def get_state(self) -> dict[str, Any]:
        return {name: _state(rng) for name, rng in self._streams.items()}

    def set_state(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            _set_state(self[name], value)


def _state(rng: random.Random) -> Any:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _set_state(rng: random.Random, state: Any) -> None:
    version, internal, gauss = state
    rng.setstate((version, tuple(internal), gauss))


class IdFactory:
    """Seeded source of every id (its own stream: placement and runtimes draw from others)."""

    def __init__(self, seed: int = 0, rng: random.Random | None = None) -> None:
        self.seed = seed
        self.rng = rng if rng is not None else RandomStreams(seed)["ids"]

    def hex32(self) -> str:
        """A 32-hex-digit id, as ECS uses for tasks and container instances."""
        return f"{self.rng.getrandbits(128):032x}"

    def uuid(self) -> str:
        h = self.hex32()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def deployment_id(self) -> str:
        """``ecs-svc/<19 digits>``, as ECS names deployments."""
        return f"ecs-svc/{self.rng.randrange(10**18, 10**19)}"

    def ec2_instance_id(self) -> str:
        return f"i-{self.rng.getrandbits(68):017x}"

    def event_id(self) -> str:
        return self.uuid()

    @staticmethod
    def arn(resource: str) -> str:
        return f"arn:aws:ecs:{REGION}:{ACCOUNT}:{resource}"

    def get_state(self) -> Any:
        return _state(self.rng)

    def set_state(self, state: Any) -> None:
        _set_state(self.rng, state)
