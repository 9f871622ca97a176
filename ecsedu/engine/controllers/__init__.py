"""Controllers beyond the service scheduler: each is a control loop over the Engine, registered
in its ``Controllers`` registry (autoscaling, load balancing) and driven by the engine's clock.
They act through internal commands (``Engine.set_desired_count``, lifecycle gates), never
through the boto3 surface."""
