"""The province's death notices a clerk resolves (死亡比对待处理): record the death through a
death report (a second clerk approves it) or dismiss the notice with a reason."""
