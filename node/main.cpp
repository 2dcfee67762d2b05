#include <iostream>

int main() {
    std::cout << "radnode\n";
    return 0;
}
