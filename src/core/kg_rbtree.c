/*
 * Copyright (C) kgate authors
 */


#include <kg_config.h>
#include <kg_core.h>


/*
 * the red-black tree of "Introduction to Algorithms" (Cormen, Leiserson,
 * Rivest) with a shared black sentinel instead of NULL leaves
 */


static inline void kg_rbtree_left_rotate(kg_rbtree_node_t **root,
    kg_rbtree_node_t *sentinel, kg_rbtree_node_t *node);
static inline void kg_rbtree_right_rotate(kg_rbtree_node_t **root,
    kg_rbtree_node_t *sentinel, kg_rbtree_node_t *node);


void
kg_rbtree_insert(kg_rbtree_t *tree, kg_rbtree_node_t *node)
{
    kg_rbtree_node_t  **root, *temp, *sentinel;

    /* a binary tree insert */

    root = &tree->root;
    sentinel = tree->sentinel;

    if (*root == sentinel) {
        node->parent = NULL;
        node->left = sentinel;
        node->right = sentinel;
        kg_rbt_black(node);
        *root = node;

        return;
    }

    tree->insert(*root, node, sentinel);

    /* re-balance tree */

    while (node != *root && kg_rbt_is_red(node->parent)) {

        if (node->parent == node->parent->parent->left) {
            temp = node->parent->parent->right;

            if (kg_rbt_is_red(temp)) {
                kg_rbt_black(node->parent);
                kg_rbt_black(temp);
                kg_rbt_red(node->parent->parent);
                node = node->parent->parent;

            } else {
                if (node == node->parent->right) {
                    node = node->parent;
                    kg_rbtree_left_rotate(root, sentinel, node);
                }

                kg_rbt_black(node->parent);
                kg_rbt_red(node->parent->parent);
                kg_rbtree_right_rotate(root, sentinel, node->parent->parent);
            }

        } else {
            temp = node->parent->parent->left;

            if (kg_rbt_is_red(temp)) {
                kg_rbt_black(node->parent);
                kg_rbt_black(temp);
                kg_rbt_red(node->parent->parent);
                node = node->parent->parent;

            } else {
                if (node == node->parent->left) {
                    node = node->parent;
                    kg_rbtree_right_rotate(root, sentinel, node);
                }

                kg_rbt_black(node->parent);
                kg_rbt_red(node->parent->parent);
                kg_rbtree_left_rotate(root, sentinel, node->parent->parent);
            }
        }
    }

    kg_rbt_black(*root);
}


void
kg_rbtree_insert_value(kg_rbtree_node_t *temp, kg_rbtree_node_t *node,
    kg_rbtree_node_t *sentinel)
{
    kg_rbtree_node_t  **p;

    for ( ;; ) {

        p = (node->key < temp->key) ? &temp->left : &temp->right;

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    kg_rbt_red(node);
}


void
kg_rbtree_insert_timer_value(kg_rbtree_node_t *temp, kg_rbtree_node_t *node,
    kg_rbtree_node_t *sentinel)
{
    kg_rbtree_node_t  **p;

    for ( ;; ) {

        /*
         * timer keys lie within minutes of each other but wrap around
         * (every 49 days with 32-bit milliseconds): compare the signed
         * difference, i.e. "node->key < temp->key"
         */

        p = ((kg_rbtree_key_int_t) (node->key - temp->key) < 0)
            ? &temp->left : &temp->right;

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    kg_rbt_red(node);
}


void
kg_rbtree_delete(kg_rbtree_t *tree, kg_rbtree_node_t *node)
{
    kg_uint_t           red;
    kg_rbtree_node_t  **root, *sentinel, *subst, *temp, *w;

    /* a binary tree delete */

    root = &tree->root;
    sentinel = tree->sentinel;

    if (node->left == sentinel) {
        temp = node->right;
        subst = node;

    } else if (node->right == sentinel) {
        temp = node->left;
        subst = node;

    } else {
        subst = kg_rbtree_min(node->right, sentinel);
        temp = subst->right;
    }

    if (subst == *root) {
        *root = temp;
        kg_rbt_black(temp);

        /* poison the node so a use after delete shows */
        node->left = NULL;
        node->right = NULL;
        node->parent = NULL;
        node->key = 0;

        return;
    }

    red = kg_rbt_is_red(subst);

    if (subst == subst->parent->left) {
        subst->parent->left = temp;

    } else {
        subst->parent->right = temp;
    }

    if (subst == node) {

        temp->parent = subst->parent;

    } else {

        if (subst->parent == node) {
            temp->parent = subst;

        } else {
            temp->parent = subst->parent;
        }

        subst->left = node->left;
        subst->right = node->right;
        subst->parent = node->parent;
        kg_rbt_copy_color(subst, node);

        if (node == *root) {
            *root = subst;

        } else {
            if (node == node->parent->left) {
                node->parent->left = subst;
            } else {
                node->parent->right = subst;
            }
        }

        if (subst->left != sentinel) {
            subst->left->parent = subst;
        }

        if (subst->right != sentinel) {
            subst->right->parent = subst;
        }
    }

    /* poison the node so a use after delete shows */
    node->left = NULL;
    node->right = NULL;
    node->parent = NULL;
    node->key = 0;

    if (red) {
        return;
    }

    /* a delete fixup */

    while (temp != *root && kg_rbt_is_black(temp)) {

        if (temp == temp->parent->left) {
            w = temp->parent->right;

            if (kg_rbt_is_red(w)) {
                kg_rbt_black(w);
                kg_rbt_red(temp->parent);
                kg_rbtree_left_rotate(root, sentinel, temp->parent);
                w = temp->parent->right;
            }

            if (kg_rbt_is_black(w->left) && kg_rbt_is_black(w->right)) {
                kg_rbt_red(w);
                temp = temp->parent;

            } else {
                if (kg_rbt_is_black(w->right)) {
                    kg_rbt_black(w->left);
                    kg_rbt_red(w);
                    kg_rbtree_right_rotate(root, sentinel, w);
                    w = temp->parent->right;
                }

                kg_rbt_copy_color(w, temp->parent);
                kg_rbt_black(temp->parent);
                kg_rbt_black(w->right);
                kg_rbtree_left_rotate(root, sentinel, temp->parent);
                temp = *root;
            }

        } else {
            w = temp->parent->left;

            if (kg_rbt_is_red(w)) {
                kg_rbt_black(w);
                kg_rbt_red(temp->parent);
                kg_rbtree_right_rotate(root, sentinel, temp->parent);
                w = temp->parent->left;
            }

            if (kg_rbt_is_black(w->left) && kg_rbt_is_black(w->right)) {
                kg_rbt_red(w);
                temp = temp->parent;

            } else {
                if (kg_rbt_is_black(w->left)) {
                    kg_rbt_black(w->right);
                    kg_rbt_red(w);
                    kg_rbtree_left_rotate(root, sentinel, w);
                    w = temp->parent->left;
                }

                kg_rbt_copy_color(w, temp->parent);
                kg_rbt_black(temp->parent);
                kg_rbt_black(w->left);
                kg_rbtree_right_rotate(root, sentinel, temp->parent);
                temp = *root;
            }
        }
    }

    kg_rbt_black(temp);
}


static inline void
kg_rbtree_left_rotate(kg_rbtree_node_t **root, kg_rbtree_node_t *sentinel,
    kg_rbtree_node_t *node)
{
    kg_rbtree_node_t  *temp;

    temp = node->right;
    node->right = temp->left;

    if (temp->left != sentinel) {
        temp->left->parent = node;
    }

    temp->parent = node->parent;

    if (node == *root) {
        *root = temp;

    } else if (node == node->parent->left) {
        node->parent->left = temp;

    } else {
        node->parent->right = temp;
    }

    temp->left = node;
    node->parent = temp;
}


static inline void
kg_rbtree_right_rotate(kg_rbtree_node_t **root, kg_rbtree_node_t *sentinel,
    kg_rbtree_node_t *node)
{
    kg_rbtree_node_t  *temp;

    temp = node->left;
    node->left = temp->right;

    if (temp->right != sentinel) {
        temp->right->parent = node;
    }

    temp->parent = node->parent;

    if (node == *root) {
        *root = temp;

    } else if (node == node->parent->right) {
        node->parent->right = temp;

    } else {
        node->parent->left = temp;
    }

    temp->right = node;
    node->parent = temp;
}


kg_rbtree_node_t *
kg_rbtree_next(kg_rbtree_t *tree, kg_rbtree_node_t *node)
{
    kg_rbtree_node_t  *root, *sentinel, *parent;

    sentinel = tree->sentinel;

    if (node->right != sentinel) {
        return kg_rbtree_min(node->right, sentinel);
    }

    root = tree->root;

    for ( ;; ) {
        parent = node->parent;

        if (node == root) {
            return NULL;
        }

        if (node == parent->left) {
            return parent;
        }

        node = parent;
    }
}
