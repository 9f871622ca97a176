"""The ECS API, one module per resource, as functions of the control plane.

``ControlPlane`` (``ecsedu/engine/control_plane.py``) lists every operation and where it lives;
each function takes the control plane first (``cp``) and boto3's keyword arguments.
"""
