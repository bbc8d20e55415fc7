module example.com/codestrings

go 1.27
