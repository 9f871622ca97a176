"""Deterministic ids and ARNs: a seeded factory, one per control plane.

The same seed and the same calls give the same task ids, deployment ids and container instance
ids, so notebooks, diagrams and tests replay byte for byte.
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["ACCOUNT", "REGION", "IdFactory"]

REGION = "us-east-1"
ACCOUNT = "123456789012"


class IdFactory:
    """Seeded source of every id and of the engine's randomness (random placement)."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rng = random.Random(seed)

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
        version, internal, gauss = self.rng.getstate()
        return [version, list(internal), gauss]

    def set_state(self, state: Any) -> None:
        version, internal, gauss = state
        self.rng.setstate((version, tuple(internal), gauss))
