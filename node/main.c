/* placeholder: replaced by the module's implementation */
int nn_placeholder_main_node(void);
int nn_placeholder_main_node(void) { return 0; }
int main(void) { return 1; }
