# The full ngxmem report for an nginx master (gdb -batch -p PID -x gdbinit -x report.gdb).
echo \n==== ngxmem: plugin and GDB ====\n
ngxmem-info
echo \n==== nginx: configuration (cycle) pools ====\n
ngx-cycle-pools
echo \n==== glibc: arenas ====\n
glibc-arenas
echo \n==== glibc: free chunks (what a HUP reload left behind) ====\n
glibc-free-chunks
echo \n==== glibc heap map with the nginx cycle pool marked ====\n
ngx-heap-map --arena main
echo \n==== nginx: shared memory zones ====\n
ngx-shm-zones
ngx-shm-pages
echo \n==== nginx: the lua_shared_dict "dogs" ====\n
ngx-shm-slabs dogs
ngx-lua-shdict dogs --top 5
