/* placeholder: replaced by the module's implementation */
int nn_placeholder_network_coordinator(void);
int nn_placeholder_network_coordinator(void) { return 0; }
