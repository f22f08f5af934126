"""Prompt tasks: planner (instruction -> Plan), tasks, validators, and the Service that runs them.

from promptocr.tasks import Service, plan
plan("提取姓名、性别、身份证号").to_dict()
Service().run("card.png", "这是一张身份证").output["fields"]
"""

from promptocr.tasks.planner import Plan, Stage, plan
from promptocr.tasks.service import Result, Service, run

__all__ = ["Plan", "Result", "Service", "Stage", "plan", "run"]
