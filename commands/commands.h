/* Registration of every analysis command with the host. */
#ifndef NGXMEM_COMMANDS_H
#define NGXMEM_COMMANDS_H

void glibc_commands_register(void);
void glibc_heap_map_register(void);
void nginx_commands_register(void);
void nginx_heap_map_register(void);
void nginx_pools_register(void);
void nginx_shm_register(void);
void nginx_shm_pages_register(void);

#endif
