# The gdb session of test/cases/all/real_gdb.sh, run from the case's
# directory on ./registry (built from registry.cpp).
set pagination off
set confirm off
set startup-with-shell on
# A conditional breakpoint, backtraces through pretty-printed containers.
break visit if depth == 5
run
bt
print names
print registry
print registry.size()
# Calls into the inferior, some of which allocate there.
print total(*find_item("item2"))
print describe(42)
print find_item("item3")->values
print describe(7).size()
frame 0
finish
# gdb's Python API: frames, values, the pretty-printers' text, the inferior.
python
import gdb
print("frame", gdb.selected_frame().name())
text = str(gdb.parse_and_eval("registry"))
print("registry text", len(text), text[:40])
item = gdb.parse_and_eval('find_item("item1")').dereference()
print("values", [int(item["values"]["_M_impl"]["_M_start"][i]) for i in range(3)])
pid = gdb.selected_inferior().pid
open("inferior.pid", "w").write("%d\n" % pid)
print("inferior has the shim:", "libheapshim" in open("/proc/%d/maps" % pid).read())
end
tbreak total
continue
bt
up
info args
print item
print names.size()
# A core of the live process, then read back in place of the process.
gcore registry.core
kill
core-file registry.core
bt
print registry.size()
frame 1
print names
print registry
