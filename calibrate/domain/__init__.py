"""The product's concepts, each with one owner and no HTTP in it: exercises, conditions, the participant's
progress, stored round results, the long-format bridge to `analysis`, join codes and the questionnaire."""
