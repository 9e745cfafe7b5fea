"""Names of the journal's background jobs (tasks in blog/tasks.py), for queuing by name."""

from enum import StrEnum


class Job(StrEnum):
    IMAGE_MAKE_RENDITIONS = "blog.tasks.image_make_renditions"
    IMAGE_RENDITIONS_SWEEP = "blog.tasks.image_renditions_sweep"
