"""What the service sends out: the DfE termly return, case exports, charts of the caseload."""
