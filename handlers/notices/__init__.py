"""Schools' register notices (SI 2024/208 regulation 13): deletions and new pupils, through the form engine."""
