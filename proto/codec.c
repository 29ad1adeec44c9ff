/* placeholder: replaced by the module's implementation */
int nn_placeholder_codec_proto(void);
int nn_placeholder_codec_proto(void) { return 0; }
