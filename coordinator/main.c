/* placeholder: replaced by the module's implementation */
int nn_placeholder_main_coordinator(void);
int nn_placeholder_main_coordinator(void) { return 0; }
int main(void) { return 1; }
