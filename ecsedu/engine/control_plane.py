"""The name the ECS client had before the engine core existed, kept for old imports.

``ControlPlane`` is ``ecsedu.engine.clients.ecs.EcsClient``: build one with
``ecsedu.connect()``.
"""

from __future__ import annotations

from ecsedu.engine.clients.ecs import EcsClient

__all__ = ["ControlPlane"]

ControlPlane = EcsClient
