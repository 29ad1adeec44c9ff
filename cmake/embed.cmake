# Turns a text file into a C source defining nn_embedded_default_yaml (NUL-terminated).
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* generated from scenarios/default.yaml: do not edit */\n"
     "const char nn_embedded_default_yaml[] = {${bytes} 0x00};\n")
