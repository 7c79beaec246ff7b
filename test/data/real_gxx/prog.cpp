// Fixture for test/cases/all/real_gxx.sh: built with g++ -std=c++17 -O1 and
// run, plainly and under the shim; the output must match.
// The program is kept lean on templates and prints with printf: every extra
// instantiation (or <iostream>) makes cc1plus allocate hundreds of thousands
// more blocks, which is slow under the page backend (one mapping per block).
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

struct Node {
    std::string name;
    std::vector<std::shared_ptr<Node>> children;
    std::weak_ptr<Node> parent;
    explicit Node(std::string n) : name(std::move(n)) {}
    ~Node() { ++destroyed; }
    static int destroyed;
};
int Node::destroyed = 0;

class Rng {
    std::uint32_t s;
public:
    explicit Rng(std::uint32_t seed) : s(seed) {}
    std::uint32_t next() { s = s * 1664525u + 1013904223u; return s >> 8; }
};

struct ParseError : std::runtime_error {
    int position;
    ParseError(const std::string &what, int pos) : std::runtime_error(what), position(pos) {}
};

long parse_number(const std::string &s)
{
    if (s.empty())
        throw ParseError("empty", 0);
    long v = 0;
    for (std::size_t i = 0; i < s.size(); i++) {
        if (s[i] < '0' || s[i] > '9')
            throw ParseError("bad digit '" + std::string(1, s[i]) + "' in " + s, static_cast<int>(i));
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

std::shared_ptr<Node> build_tree(Rng &rng, const std::shared_ptr<Node> &parent, int depth)
{
    auto node = std::make_shared<Node>(parent ? parent->name + "." + std::to_string(parent->children.size()) : "root");
    node->parent = parent;
    if (depth > 0) {
        int n = 1 + rng.next() % 4;
        for (int i = 0; i < n; i++)
            node->children.push_back(build_tree(rng, node, depth - 1));
    }
    return node;
}

int count_nodes(const Node &n, std::map<std::string, int> &by_children)
{
    by_children["children=" + std::to_string(n.children.size())]++;
    int c = 1;
    for (const auto &ch : n.children)
        c += count_nodes(*ch, by_children);
    return c;
}

} // namespace

int main()
{
    Rng rng(2024);
    static const char *parts[] = {"ab", "cd", "ef", "gh", "ij", "kl"};

    // word counts in an unordered_map, reported in order through a map
    std::unordered_map<std::string, int> counts;
    std::vector<std::string> words;
    for (int i = 0; i < 30000; i++) {
        std::string w;
        for (int k = 0, n = 1 + rng.next() % 3; k < n; k++)
            w += parts[rng.next() % 6];
        counts[w]++;
        if (i % 100 == 0)
            words.push_back(w);
    }
    std::map<std::string, int> ordered(counts.begin(), counts.end());
    std::printf("%zu distinct words, %zu sampled\n", ordered.size(), words.size());
    std::string best;
    for (const auto &[w, c] : ordered) {
        if (best.empty() || c > ordered[best])
            best = w;
        if (c > 300)
            std::printf("%-8s%d\n", w.c_str(), c);
    }
    std::printf("most frequent %s\n", best.c_str());
    std::string joined;
    for (std::size_t i = 0; i < words.size(); i += 25)
        joined += words[i] + (i + 25 < words.size() ? "," : "");
    std::printf("sample %s\n", joined.c_str());

    // shared_ptr tree with weak parent links
    {
        auto root = build_tree(rng, nullptr, 6);
        std::map<std::string, int> by_children;
        int total = count_nodes(*root, by_children);
        std::printf("tree of %d nodes;", total);
        for (const auto &[k, v] : by_children)
            std::printf(" %s:%d", k.c_str(), v);
        auto leaf = root;
        while (!leaf->children.empty())
            leaf = leaf->children.back();
        std::printf("\nlast leaf %s, parent %s, use_count %ld\n", leaf->name.c_str(),
                    leaf->parent.lock()->name.c_str(), root.use_count());
    }
    std::printf("destroyed %d nodes\n", Node::destroyed);

    // exceptions, thrown and caught many times
    std::vector<std::string> inputs = {"123", "98x7", "", "4096", "12a", "77"};
    long sum = 0;
    int errors = 0;
    for (int round = 0; round < 2000; round++)
        for (const auto &s : inputs) {
            try {
                sum += parse_number(s);
            } catch (const ParseError &e) {
                errors++;
                if (round == 0)
                    std::printf("error at %d: %s\n", e.position, e.what());
            }
        }
    std::printf("sum %ld, errors %d\n", sum, errors);

    try {
        words.at(words.size()) = "past the end";
    } catch (const std::out_of_range &) {
        std::puts("out_of_range caught");
    }
    return 0;
}
