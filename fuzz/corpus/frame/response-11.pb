oG
flex.steps.start"/steps must be in increasing order of start time