// The program test/cases/all/real_gdb.sh debugs: a std::map of structs that
// hold std::string and std::vector, filled over 20 calls of visit(), with
// small functions gdb calls in the inferior (find_item, total, describe).
#include <cstdio>
#include <map>
#include <string>
#include <vector>

struct Item {
    std::string name;
    std::vector<int> values;
};

static std::map<std::string, Item> registry;

int total(const Item &item)
{
    int sum = 0;
    for (int v : item.values)
        sum += v;
    return sum;
}

Item *find_item(const char *name)
{
    auto found = registry.find(name);
    return found == registry.end() ? nullptr : &found->second;
}

std::string describe(int i)
{
    return "item" + std::to_string(i);
}

__attribute__((noinline)) int visit(const std::vector<std::string> &names, int depth)
{
    int acc = 0;
    for (const auto &n : names) {
        Item &item = registry[n];
        item.name = n;
        item.values.push_back(depth * 10 + (int)item.values.size());
        acc += total(item);
    }
    return acc;
}

int main()
{
    std::vector<std::string> names;
    int grand = 0;
    for (int i = 0; i < 20; i++) {
        names.push_back(describe(i));
        grand += visit(names, i);
    }
    std::printf("grand %d entries %zu\n", grand, registry.size());
    return 0;
}
