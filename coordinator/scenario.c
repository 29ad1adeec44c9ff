/* placeholder: replaced by the module's implementation */
int nn_placeholder_scenario_coordinator(void);
int nn_placeholder_scenario_coordinator(void) { return 0; }
