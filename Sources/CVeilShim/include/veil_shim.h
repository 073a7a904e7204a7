#pragma once
int veil_placeholder(void);
