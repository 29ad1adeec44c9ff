/* nunchi-node: one node process. It connects a DEALER to a coordinator, says hello,
 * hosts the agents it is given and steps them until the coordinator says bye. The whole
 * command line is nn_node_main() (node/cli.c), which nodes built with the C SDK share:
 * nunchi-node is that node with the built-in behaviours only. */
#include <stddef.h>

#include "nunchi/sdk.h"

int main(int argc, char **argv)
{
    return nn_node_main(argc, argv, NULL);
}
